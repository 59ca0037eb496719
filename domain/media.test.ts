import { describe, expect, test } from '@jest/globals';
import { MEDIA_LINK_STEP_SECONDS, mediaLinkExpiry, mediaPath, signedLinkProblem } from './media.ts';

describe('signed media links', () => {
  test('the path a link is signed over: the width is part of it', () => {
    expect(mediaPath('m1')).toBe('/api/v1/media/m1');
    expect(mediaPath('m1', 800)).toBe('/api/v1/media/m1?width=800');
  });

  test('the expiry is at least the TTL ahead, rounded up to 5 minutes, so links stay the same within a step', () => {
    const at = Date.parse('2026-12-01T10:02:10Z');
    const expires = mediaLinkExpiry(at, 3600);
    expect(new Date(expires * 1000).toISOString()).toBe('2026-12-01T11:05:00.000Z');
    expect(expires % MEDIA_LINK_STEP_SECONDS).toBe(0);
    expect(mediaLinkExpiry(at + 120_000, 3600)).toBe(expires);
    expect(mediaLinkExpiry(Date.parse('2026-12-01T10:05:00Z'), 3600)).toBe(expires);
    expect(mediaLinkExpiry(Date.parse('2026-12-01T10:05:00.001Z'), 3600)).toBe(expires + 300);
  });

  test('a link opens only complete, with a matching signature, before it expires', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const verify = (expires: number, signature: string) => signature === `sig-${expires}`;
    const future = now / 1000 + 60;
    expect(signedLinkProblem({ expires: String(future), signature: `sig-${future}` }, verify, now)).toBeUndefined();
    expect(signedLinkProblem({ expires: String(future), signature: 'sig-0' }, verify, now)?.reason).toBe('bad_signature');
    expect(signedLinkProblem({ expires: String(now / 1000), signature: `sig-${now / 1000}` }, verify, now)?.reason).toBe('expired');
    expect(signedLinkProblem({ expires: undefined, signature: 'x' }, verify, now)?.reason).toBe('malformed');
    expect(signedLinkProblem({ expires: '12e9', signature: 'x' }, verify, now)?.reason).toBe('malformed');
    // A forged signature is reported as such even when the expiry has passed too.
    expect(signedLinkProblem({ expires: '1', signature: 'forged' }, verify, now)?.reason).toBe('bad_signature');
  });
});
