import { createHmac } from 'node:crypto';
import { DomainError } from '@carelog/domain';

/** A key shorter than this is refused: it could be guessed, and every pseudonym with it. */
export const MIN_PSEUDONYM_KEY_LENGTH = 32;

/**
 * One analytics consumer's pseudonymisation key. Pseudonyms are HMAC-SHA256 with it, so they
 * are stable for one key and cannot be linked across keys, and without the key an NHS number
 * cannot be tried against them. The secret is held privately and never printed.
 */
export class PseudonymKey {
  readonly #secret: Buffer;
  /** Names the key without revealing it, so a consumer can tell which key a message used. */
  readonly keyId: string;

  constructor(secret: string) {
    if (secret.length < MIN_PSEUDONYM_KEY_LENGTH) {
      throw new DomainError(
        'weak-pseudonym-key',
        `the pseudonymisation key must be at least ${MIN_PSEUDONYM_KEY_LENGTH} characters`,
        'CARELOG_ANALYTICS_PSEUDONYM_KEY',
      );
    }
    this.#secret = Buffer.from(secret, 'utf8');
    this.keyId = this.hmac('carelog-analytics-key-id').slice(0, 16);
  }

  /** The pseudonym of a patient: HMAC-SHA256 of the 10-digit NHS number, lower-case hex. */
  patient(nhsNumber: string): string {
    return this.hmac(nhsNumber);
  }

  /** The pseudonym of an entry (its analyticsId): HMAC-SHA256 of `entry:` + its event id. */
  entry(eventId: string): string {
    return this.hmac(`entry:${eventId.toLowerCase()}`);
  }

  private hmac(message: string): string {
    return createHmac('sha256', this.#secret).update(message, 'utf8').digest('hex');
  }

  toJSON(): string {
    return `PseudonymKey(${this.keyId})`;
  }
}
