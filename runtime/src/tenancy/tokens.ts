/**
 * Bearer tokens: JWTs with `tenant` and `role` claims, verified with jose against a shared
 * secret (HS256) or a JWKS endpoint. Minting needs the shared secret.
 */
import { SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { DebugHostError } from '../domain/errors.js';
import type { Role, TenantId } from '../domain/types.js';
import type { Principal } from './principal.js';
import { isRole } from './roles.js';

export interface TokenSettings {
  /** Shared HS256 secret; required to mint. */
  readonly secret?: string;
  /** JWKS endpoint for asymmetric tokens from an identity provider. */
  readonly jwksUrl?: string;
  /** @default 'debug-host' */
  readonly audience?: string;
  /** @default 'debug-host' */
  readonly issuer?: string;
}

export interface MintOptions {
  readonly tenant: TenantId;
  readonly role: Role;
  /** @default `${role}@${tenant}` */
  readonly subject?: string;
  /** jose duration such as `1h`, `30m`, `7d`. @default '1h' */
  readonly ttl?: string;
}

export const DEFAULT_AUDIENCE = 'debug-host';
export const DEFAULT_ISSUER = 'debug-host';

const unauthenticated = (message: string): DebugHostError =>
  new DebugHostError('unauthenticated', message, {
    fix: 'Send `Authorization: Bearer <token>` with a token from `debug-host token --tenant <t> --role <r>` or your identity provider.',
  });

export class TokenService {
  private readonly audience: string;
  private readonly issuer: string;
  private readonly secretKey?: Uint8Array;
  private readonly jwks?: JWTVerifyGetKey;

  constructor(private readonly settings: TokenSettings) {
    if (!settings.secret && !settings.jwksUrl) {
      throw new DebugHostError('invalid_input', 'No token verification key is configured.', {
        field: 'DEBUG_HOST_JWT_SECRET',
        fix: 'Set DEBUG_HOST_JWT_SECRET (shared secret) or DEBUG_HOST_JWKS_URL (identity provider keys).',
      });
    }
    this.audience = settings.audience ?? DEFAULT_AUDIENCE;
    this.issuer = settings.issuer ?? DEFAULT_ISSUER;
    if (settings.secret) this.secretKey = new TextEncoder().encode(settings.secret);
    if (settings.jwksUrl) this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl));
  }

  async mint(options: MintOptions): Promise<string> {
    if (!this.secretKey) {
      throw new DebugHostError('invalid_input', 'Minting a token needs the shared secret.', {
        field: 'DEBUG_HOST_JWT_SECRET',
        fix: 'Set DEBUG_HOST_JWT_SECRET, or mint tokens with your identity provider when using JWKS.',
      });
    }
    return new SignJWT({ tenant: options.tenant, role: options.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(options.subject ?? `${options.role}@${options.tenant}`)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(options.ttl ?? '1h')
      .sign(this.secretKey);
  }

  /** Verifies a token and returns its principal; throws `unauthenticated` with the reason. */
  async verify(token: string): Promise<Principal> {
    let payload: Record<string, unknown>;
    try {
      const options = { audience: this.audience, issuer: this.issuer };
      const result = this.jwks
        ? await jwtVerify(token, this.jwks, options)
        : await jwtVerify(token, this.secretKey as Uint8Array, { ...options, algorithms: ['HS256'] });
      payload = result.payload;
    } catch (error) {
      throw unauthenticated(describeJoseError(error));
    }
    const { tenant, role, sub } = payload;
    if (typeof tenant !== 'string' || tenant.length === 0) throw unauthenticated('The token has no `tenant` claim.');
    if (!isRole(role)) throw unauthenticated('The token has no valid `role` claim (viewer, developer, admin or platform-admin).');
    return { tenantId: tenant, role, subject: typeof sub === 'string' ? sub : `${role}@${tenant}` };
  }

  /** Reads `Authorization: Bearer <token>` and verifies it. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw unauthenticated('The request has no Authorization header.');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw unauthenticated('The Authorization header is not of the form `Bearer <token>`.');
    return this.verify(match[1]);
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `The token's \`${error.claim}\` claim is not accepted here (${error.reason}).`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is not valid.';
  if (error instanceof joseErrors.JOSEError) return `The token is not valid (${error.code}).`;
  return 'The token is not valid.';
}
