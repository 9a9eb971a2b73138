/** The mark on forwarded calls (cluster/forward-mark.ts): genuine, fresh, for this body, once. */
import { describe, expect, it } from 'vitest';
import { FORWARD_MARK_MAX_AGE_MS, ForwardMarkVerifier, signForward } from '../../runtime/src/cluster/forward-mark.js';

const SECRET = 'cluster-secret-of-at-least-32-characters!!';
const TOKEN = 'eyJ.token.sig';
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'host.stop', arguments: { projectId: 'p' } } });

describe('the forwarded-call mark', () => {
  it('names the forwarding replica for a genuine mark, once', () => {
    const verifier = new ForwardMarkVerifier(SECRET);
    const mark = signForward(SECRET, 'replica.a-1', TOKEN, BODY);
    expect(verifier.verify(mark, TOKEN, Buffer.from(BODY))).toBe('replica.a-1');
    // The same mark again (a replay by whoever captured the request) is not a forward.
    expect(verifier.verify(mark, TOKEN, Buffer.from(BODY))).toBeUndefined();
  });

  it('is refused on another body, another token, with another secret, or without a cluster secret', () => {
    const verifier = new ForwardMarkVerifier(SECRET);
    const other = BODY.replace('host.stop', 'host.start');
    expect(verifier.verify(signForward(SECRET, 'a', TOKEN, BODY), TOKEN, Buffer.from(other))).toBeUndefined();
    expect(verifier.verify(signForward(SECRET, 'a', TOKEN, BODY), 'another.token', Buffer.from(BODY))).toBeUndefined();
    expect(verifier.verify(signForward('another-secret-of-at-least-32-characters', 'a', TOKEN, BODY), TOKEN, Buffer.from(BODY))).toBeUndefined();
    expect(new ForwardMarkVerifier(undefined).verify(signForward(SECRET, 'a', TOKEN, BODY), TOKEN, Buffer.from(BODY))).toBeUndefined();
    for (const junk of ['', 'a', 'a.b', 'a.b.c', 'a.x.n.mac', '.1.n.mac']) expect(verifier.verify(junk, TOKEN, Buffer.from(BODY))).toBeUndefined();
  });

  it('is refused once older (or newer) than its window, and its nonce is forgotten after it', () => {
    const verifier = new ForwardMarkVerifier(SECRET);
    const now = Date.now();
    const old = signForward(SECRET, 'a', TOKEN, BODY, now - FORWARD_MARK_MAX_AGE_MS - 1);
    expect(verifier.verify(old, TOKEN, Buffer.from(BODY), now)).toBeUndefined();
    const future = signForward(SECRET, 'a', TOKEN, BODY, now + FORWARD_MARK_MAX_AGE_MS + 1);
    expect(verifier.verify(future, TOKEN, Buffer.from(BODY), now)).toBeUndefined();
    const fresh = signForward(SECRET, 'a', TOKEN, BODY, now, 'nonce-1');
    expect(verifier.verify(fresh, TOKEN, Buffer.from(BODY), now)).toBe('a');
    // Long after, a new mark with the same nonce is judged on its own (the old entry expired).
    const later = now + 3 * FORWARD_MARK_MAX_AGE_MS;
    expect(verifier.verify(signForward(SECRET, 'a', TOKEN, BODY, later, 'nonce-1'), TOKEN, Buffer.from(BODY), later)).toBe('a');
  });
});
