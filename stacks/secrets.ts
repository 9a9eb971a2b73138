/** Secrets derived from the stack's `secretSeed`: deterministic (stable previews), never stored. */
import { createHmac } from 'node:crypto';

/** HMAC-SHA256 of `purpose` under `seed`, base64url: 43 characters. */
export function deriveSecret(seed: string, purpose: string): string {
  return createHmac('sha256', seed).update(purpose).digest('base64url');
}
