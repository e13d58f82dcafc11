import { DomainError } from '../domain-error';
import { isAbnormalInterpretation } from '../boundary/vocabularies';
import type { ResultReleasePolicy, DiscussFirstCategory } from './result-release-policy';

/** The status a held result's placeholder carries, instead of its value. */
export const WAITING_FOR_CARE_TEAM = 'waiting-for-your-care-team';

/** What the release decision reads of one result. */
export interface ResultReleaseFacts {
  /** The current version's payload (TestResultRecorded). */
  payload: Record<string, unknown>;
  /** When the current version was recorded: an amendment starts the wait again. */
  versionRecordedAt: Date;
  /** The latest review of this result recorded by `now`, if any. */
  reviewedAt: Date | null;
}

export type ResultRelease =
  { released: true; by: 'normal' | 'review' | 'time' } | { released: false; label: string };

const recordOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};

/** The discuss-first category a result's test falls in, by its code or the words of its name. */
export function discussFirstCategoryOf(
  payload: Record<string, unknown>,
  policy: ResultReleasePolicy,
): DiscussFirstCategory | undefined {
  const test = recordOf(payload['test']);
  const code = typeof test['code'] === 'string' ? test['code'].trim() : '';
  const display = typeof test['display'] === 'string' ? test['display'].toLowerCase() : '';
  const words = display.split(/[^a-z0-9]+/).filter((word) => word !== '');
  return policy.discussFirst.find(
    (category) =>
      (code !== '' && category.codes.includes(code)) ||
      category.displayWords.some((word) => words.includes(word.toLowerCase())),
  );
}

/**
 * Pure: whether a result has reached the patient at `now` (RESULT_RELEASE_POLICY). A review
 * releases it only if recorded after the version it would release; a discuss-first result
 * waits for a review however long it takes; another result that is not plainly normal waits
 * for a review or `releaseAfterSeconds`, whichever comes first.
 */
export function decideResultRelease(
  facts: ResultReleaseFacts,
  policy: ResultReleasePolicy,
  now: Date,
): ResultRelease {
  const category = discussFirstCategoryOf(facts.payload, policy);
  const reviewed =
    facts.reviewedAt !== null &&
    facts.reviewedAt.getTime() >= facts.versionRecordedAt.getTime() &&
    facts.reviewedAt.getTime() <= now.getTime();
  if (reviewed) return { released: true, by: 'review' };
  if (category) return { released: false, label: category.label };
  if (!isAbnormalInterpretation(facts.payload['interpretation']))
    return { released: true, by: 'normal' };
  const releaseAt = facts.versionRecordedAt.getTime() + policy.releaseAfterSeconds * 1000;
  return now.getTime() >= releaseAt
    ? { released: true, by: 'time' }
    : { released: false, label: policy.defaultLabel };
}

/**
 * The payload a held result shows the patient: where it sits, and its label; no test name,
 * value, unit, range, interpretation or narrative.
 */
export const heldResultPayload = (label: string): Record<string, unknown> => ({
  status: WAITING_FOR_CARE_TEAM,
  label,
  message: `${label}: waiting for your care team to review it. You will see it here once they have.`,
});

export const isHeldResultPayload = (payload: Record<string, unknown>): boolean =>
  payload['status'] === WAITING_FOR_CARE_TEAM;

/** The policy with `CARELOG_RESULT_RELEASE_AFTER_SECONDS` applied (default: seven days). */
export function resultReleasePolicyFrom(
  base: ResultReleasePolicy,
  settings: Record<string, string | undefined>,
): ResultReleasePolicy {
  const given = settings['CARELOG_RESULT_RELEASE_AFTER_SECONDS'];
  if (given === undefined || given.trim() === '') return base;
  const seconds = Number(given);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new DomainError(
      'invalid-configuration',
      'CARELOG_RESULT_RELEASE_AFTER_SECONDS must be a positive number',
      'CARELOG_RESULT_RELEASE_AFTER_SECONDS',
    );
  return { ...base, releaseAfterSeconds: seconds };
}
