// Generated from schemas/ by `npm run schemas:generate`. Do not edit: change the schema.
// `npm run schemas:check` fails when this file and the schemas disagree.

export type AnalyticsRecordEntry = {
  analyticsId: string;
  keyId: string;
  patientPseudonym: string;
  entryType: string;
  sourceSchemaVersion: number;
  setting: string;
  organisation: string;
  authorRole: string;
  authorProfession: string;
  authorOrganisation: string;
  datePrecision: 'day' | 'week' | 'month';
  occurredIn: number;
  recordedIn: number;
  sensitivity: Array<string>;
  supersedes: null | string;
  facts: Array<Fact>;
};

export type Code = {
  system: string;
  code: string;
};

export type EntryCountsUpdated = {
  organisation: string;
  day: number;
  setting: string;
  entriesExported: number;
};

export type Fact = {
  field: string;
  coded: null | Code;
  number: null | number;
  flag: null | boolean;
  date: null | number;
  term: null | string;
  reference: null | string;
};

export const ANALYTICS_EVENT_NAMES = ['AnalyticsRecordEntry', 'EntryCountsUpdated'] as const;

export type AnalyticsEventName = (typeof ANALYTICS_EVENT_NAMES)[number];

export type AnalyticsEvents = {
  AnalyticsRecordEntry: AnalyticsRecordEntry;
  EntryCountsUpdated: EntryCountsUpdated;
};

export type AnalyticsEvent = AnalyticsEvents[AnalyticsEventName];
