/**
 * Bearer tokens: JWTs with `tenant` and `role` claims, verified with jose against a shared
 * secret (HS256) or a JWKS endpoint. Minting needs the shared secret.
 */
import { TENANT_ID_RULE } from '@debug-host/rules';
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

/**
 * Why a token was refused: the `reason` label of `debug_host_token_refusals_total` and the
 * `reason` fact of the 401, so that an operator sees an attack (signature, algorithm) apart
 * from a clock or a client that forgot to refresh (expired).
 */
export type TokenRefusal =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'audience'
  | 'issuer'
  | 'claim'
  | 'tenant'
  | 'role'
  | 'invalid';

/** The algorithms a JWKS key may sign with: an HS256 token "signed" with a public key (alg confusion) is refused. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

const unauthenticated = (reason: TokenRefusal, message: string): DebugHostError =>
  new DebugHostError('unauthenticated', message, {
    fix: 'Send `Authorization: Bearer <token>` with a token from `debug-host token --tenant <t> --role <r>` or your identity provider.',
    facts: { reason },
  });

/** The refusal reason of an `unauthenticated` error from this service, `invalid` for any other. */
export function refusalReason(error: unknown): TokenRefusal {
  const reason = error instanceof DebugHostError ? error.facts?.reason : undefined;
  return typeof reason === 'string' ? (reason as TokenRefusal) : 'invalid';
}

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
        ? await jwtVerify(token, this.jwks, { ...options, algorithms: ASYMMETRIC_ALGORITHMS })
        : await jwtVerify(token, this.secretKey as Uint8Array, { ...options, algorithms: ['HS256'] });
      payload = result.payload;
    } catch (error) {
      throw refusalOf(error);
    }
    const { tenant, role, sub } = payload;
    if (typeof tenant !== 'string' || !TENANT_ID_RULE.test(tenant)) {
      throw unauthenticated('tenant', 'The token has no valid `tenant` claim (a tenant id string such as `acme`).');
    }
    if (!isRole(role)) throw unauthenticated('role', 'The token has no valid `role` claim (viewer, developer, admin or platform-admin).');
    return { tenantId: tenant, role, subject: typeof sub === 'string' ? sub : `${role}@${tenant}` };
  }

  /** Reads `Authorization: Bearer <token>` and verifies it. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw unauthenticated('missing', 'The request has no Authorization header.');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw unauthenticated('malformed', 'The Authorization header is not of the form `Bearer <token>`.');
    return this.verify(match[1]);
  }
}

function refusalOf(error: unknown): DebugHostError {
  if (error instanceof joseErrors.JWTExpired) return unauthenticated('expired', 'The token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const reason: TokenRefusal = error.claim === 'nbf' ? 'not_yet_valid' : error.claim === 'aud' ? 'audience' : error.claim === 'iss' ? 'issuer' : 'claim';
    return unauthenticated(reason, `The token's \`${error.claim}\` claim is not accepted here (${error.reason}).`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return unauthenticated('signature', 'The token signature is not valid.');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return unauthenticated('algorithm', 'The token is signed with an algorithm this debug host does not accept.');
  if (error instanceof joseErrors.JWKSNoMatchingKey) return unauthenticated('signature', 'The token is signed with a key the identity provider does not publish.');
  if (error instanceof joseErrors.JOSEError) return unauthenticated('invalid', `The token is not valid (${error.code}).`);
  return unauthenticated('invalid', 'The token is not valid.');
}
