// Generated from schemas/ by `npm run schemas:generate`. Do not edit: change the schema.
// `npm run schemas:check` fails when this file and the schemas disagree.

export type Attention = {
  role: string;
  organisation: string;
  reason: null | string;
};

export type Author = {
  userId: string;
  role: string;
  profession: string;
  organisation: string;
};

export type Coded = {
  system: string;
  code: string;
  display: string;
};

export type ConsultationRecordedEvent = {
  eventId: string;
  type: 'ConsultationRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ConsultationRecordedPayload;
};

export type ConsultationRecordedPayload = {
  narrative: string;
  codedItems: Array<Coded>;
  consultationMedium: null | string;
};

export type Patient = {
  nhsNumber: string;
};

export type RegistrationStartedEvent = {
  eventId: string;
  type: 'RegistrationStarted';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: RegistrationStartedPayload;
};

export type RegistrationStartedPayload = {
  registrationType: string;
};

export type Source = {
  service: string;
  organisation: string;
  system: string;
};

export type Supersedes = {
  eventId: string;
  reason: string;
};

export const ENTRY_TYPE_NAMES = ['ConsultationRecorded', 'RegistrationStarted'] as const;

export type EntryTypeName = (typeof ENTRY_TYPE_NAMES)[number];

/** Every record-entry event, in the shape of the current version of its schema. */
export type RecordEntryEvent = ConsultationRecordedEvent | RegistrationStartedEvent;

export type RecordEntryEventOf<T extends EntryTypeName> = Extract<RecordEntryEvent, { type: T }>;
