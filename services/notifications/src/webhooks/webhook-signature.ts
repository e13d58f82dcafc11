import { createHmac, randomBytes } from 'node:crypto';

/** A new subscription's signing secret: 32 random bytes, shown to the subscriber once. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('hex')}`;

/**
 * `carelog-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The time
 * is signed with the body so a receiver can refuse replays older than its tolerance.
 */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/**
 * The wait before the next attempt after `attempts` failed ones: base, 2×base, 4×base, ...
 * capped at maxDelayMs. Deterministic, so a receiver's operator can predict it.
 */
export function retryDelayMs(
  attempts: number,
  { baseDelayMs, maxDelayMs }: { baseDelayMs: number; maxDelayMs: number },
): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
}
