/**
 * When a test result reaches the patient (and an approved carer), as data. Staff see every
 * result at once, as before; this policy only decides what the patient's own views show.
 *
 * - `normal` results are released at once;
 * - `abnormal` (and critical) results after a clinician of the practice reviews them
 *   (`TestResultReviewed`), or after `releaseAfterSeconds` (configurable:
 *   CARELOG_RESULT_RELEASE_AFTER_SECONDS), whichever is first;
 * - results in a `discussFirst` category only after a review, however long it takes: news
 *   such as a cancer diagnosis, an HIV test or a genetic finding is given in a conversation,
 *   not by an app.
 *
 * A held result is shown as "waiting for your care team": its place in the record, its date
 * and the category's label, never its value, test name or interpretation.
 */
export interface DiscussFirstCategory {
  /** Stable name, also shown on the placeholder as `category`. */
  category: string;
  /** What the patient reads instead of the test name. */
  label: string;
  /** SNOMED CT codes of tests in the category: the codes a region's laboratories send, added locally. */
  codes: readonly string[];
  /** Words in the test's display name (any case) that put it in the category, for sources without codes. */
  displayWords: readonly string[];
}

export interface ResultReleasePolicy {
  /** Abnormal results wait at most this long for a review before they are released. */
  releaseAfterSeconds: number;
  discussFirst: readonly DiscussFirstCategory[];
  /** The label on any other held result. */
  defaultLabel: string;
}

/** Seven days: long enough for a practice to review and call, short enough that nobody waits on news for weeks. */
export const DEFAULT_RESULT_RELEASE_AFTER_SECONDS = 7 * 24 * 60 * 60;

export const RESULT_RELEASE_POLICY: ResultReleasePolicy = {
  releaseAfterSeconds: DEFAULT_RESULT_RELEASE_AFTER_SECONDS,
  defaultLabel: 'Test result',
  discussFirst: [
    {
      category: 'cancer-histology',
      label: 'Tissue sample (histology) result',
      codes: [],
      displayWords: ['histology', 'histopathology', 'biopsy', 'cytology'],
    },
    {
      category: 'hiv',
      label: 'Blood test result',
      codes: [],
      displayWords: ['hiv'],
    },
    {
      category: 'genetic',
      label: 'Genetic test result',
      codes: [],
      displayWords: ['genetic', 'genomic', 'brca', 'karyotype'],
    },
  ],
};
