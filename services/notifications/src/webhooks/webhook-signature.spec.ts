import { createHmac } from 'node:crypto';
import { newWebhookSecret, retryDelayMs, signatureHeader } from './webhook-signature';

describe('webhook signatures and retry delays', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 and says when', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ id: 'n-1' });
    const header = signatureHeader(secret, body, new Date('2026-05-12T10:00:00.900Z'));
    const t = 1_778_580_000;
    expect(header).toBe(
      `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`,
    );
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('doubles the wait after each failure, up to the cap', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempts) => retryDelayMs(attempts, policy))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
});
