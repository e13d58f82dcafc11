import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setting } from '@carelog/config';
import type { ReviewScope } from '@carelog/audit';

/** The ICS's privacy officers, kept as data: `services/record-api/config/privacy-officers.json`. */
export const DEFAULT_PRIVACY_OFFICERS_FILE = join(
  __dirname,
  '..',
  '..',
  'config',
  'privacy-officers.json',
);

/**
 * Which organisations' staff each privacy officer organisation reviews (docs/architecture.md,
 * "Break-glass, privacy officers, audit": the organisations configured for them, per ICS). Read
 * once at start-up from CARELOG_PRIVACY_OFFICERS_FILE (default: the file in this repository);
 * a malformed file stops the service rather than widening anyone's view.
 */
export class PrivacyOfficerScopes {
  private constructor(private readonly reviews: ReadonlyMap<string, readonly string[]>) {}

  static fromFile(
    path = setting('CARELOG_PRIVACY_OFFICERS_FILE') ?? DEFAULT_PRIVACY_OFFICERS_FILE,
  ): PrivacyOfficerScopes {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    const officers = (parsed as { privacyOfficers?: unknown }).privacyOfficers;
    if (!Array.isArray(officers)) throw new Error(`${path}: privacyOfficers must be a list`);
    const reviews = new Map<string, string[]>();
    for (const [index, officer] of officers.entries()) {
      const { organisation, reviews: reviewed } = (officer ?? {}) as Record<string, unknown>;
      if (
        typeof organisation !== 'string' ||
        !Array.isArray(reviewed) ||
        !reviewed.every((code): code is string => typeof code === 'string')
      )
        throw new Error(
          `${path}: privacyOfficers[${index}] needs an organisation and a list of reviews`,
        );
      reviews.set(organisation, [...(reviews.get(organisation) ?? []), ...reviewed]);
    }
    return new PrivacyOfficerScopes(reviews);
  }

  /** The organisations an officer of this organisation reviews; none if it is not listed. */
  scopeOf(organisation: string): ReviewScope {
    return { organisations: this.reviews.get(organisation) ?? [] };
  }
}
