/**
 * The mark a replica puts on a call it forwards to the project's owner, so that the owner
 * runs it itself (never forwards it again) and skips the rate limit the first replica
 * already applied. A client must not be able to claim it: the mark is an HMAC with the
 * cluster secret over the forwarding replica, when it was issued, a nonce, the SHA-256 of
 * the exact request body and the caller's token. An owner accepts it only within
 * `FORWARD_MARK_MAX_AGE_MS` of its issue and only once (the nonces it saw are kept until
 * they expire), so a captured mark cannot be replayed, nor moved to another body.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const FORWARDED_HEADER = 'x-debug-host-forwarded-by';

/** Longer than a forwarded call's deadline (10 s) plus the clock skew NTP leaves between nodes. */
export const FORWARD_MARK_MAX_AGE_MS = 30_000;

/** `<replica>.<issuedAtMs>.<nonce>.<hmac>` for `body`, the exact bytes that will be sent. */
export function signForward(secret: string, replica: string, token: string, body: string | Buffer, issuedAt = Date.now(), nonce: string = randomUUID()): string {
  return `${replica}.${issuedAt}.${nonce}.${mac(secret, replica, issuedAt, nonce, body, token)}`;
}

function mac(secret: string, replica: string, issuedAt: number, nonce: string, body: string | Buffer, token: string): string {
  const bodyHash = createHash('sha256').update(body).digest('base64url');
  return createHmac('sha256', secret).update(`${replica}\n${issuedAt}\n${nonce}\n${bodyHash}\n${token}`).digest('base64url');
}

/** Verifies marks and remembers the nonces it accepted, to refuse a second use. */
export class ForwardMarkVerifier {
  private readonly seen = new Map<string, number>();

  constructor(private readonly secret: string | undefined) {}

  /** The forwarding replica when the mark is genuine, fresh and unused; else undefined (not forwarded). */
  verify(header: string | undefined, token: string, body: Buffer, now = Date.now()): string | undefined {
    if (!this.secret || !header) return undefined;
    const parts = header.split('.');
    if (parts.length < 4) return undefined;
    const given = parts.pop() as string;
    const nonce = parts.pop() as string;
    const issuedAt = Number(parts.pop());
    const replica = parts.join('.');
    if (!replica || !Number.isSafeInteger(issuedAt) || Math.abs(now - issuedAt) > FORWARD_MARK_MAX_AGE_MS) return undefined;
    const expected = Buffer.from(mac(this.secret, replica, issuedAt, nonce, body, token));
    const actual = Buffer.from(given);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    this.forgetExpired(now);
    if (this.seen.has(nonce)) return undefined;
    this.seen.set(nonce, issuedAt + FORWARD_MARK_MAX_AGE_MS);
    return replica;
  }

  private forgetExpired(now: number): void {
    // Insertion order is close to expiry order; stop at the first one still valid.
    for (const [nonce, expires] of this.seen) {
      if (expires >= now - FORWARD_MARK_MAX_AGE_MS) break;
      this.seen.delete(nonce);
    }
  }
}
