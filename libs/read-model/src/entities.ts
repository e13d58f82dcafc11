import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The lifelong record: one row per entry, whatever its source, holding the entry's current
 * version. `eventId` is the id of the event that first recorded it and stays its id through
 * amendments; an entry recorded in error keeps its row, with `status` saying so.
 * Written only by services/projection; read by services/record-api.
 */
@Entity({ name: 'record_entry' })
export class RecordEntryRow {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'current_event_id', type: 'uuid' })
  currentEventId!: string;

  @Column({ name: 'nhs_number', type: 'char', length: 10 })
  nhsNumber!: string;

  @Column({ name: 'entry_type', type: 'text' })
  entryType!: string;

  @Column({ name: 'domain', type: 'text' })
  domain!: string;

  @Column({ name: 'schema_version', type: 'int' })
  schemaVersion!: number;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ name: 'amended_at', type: 'timestamptz', nullable: true })
  amendedAt!: Date | null;

  @Column({ name: 'version_count', type: 'int' })
  versionCount!: number;

  @Column({ name: 'source', type: 'jsonb' })
  source!: { service: string; organisation: string; system: string };

  @Column({ name: 'author', type: 'jsonb' })
  author!: { userId: string; role: string; profession: string; organisation: string };

  @Column({ name: 'sensitivity', type: 'text', array: true })
  sensitivity!: string[];

  @Column({ name: 'attention', type: 'jsonb', nullable: true })
  attention!: { role: string; organisation: string; reason: string | null } | null;

  @Column({ name: 'payload', type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'status', type: 'text' })
  status!: 'current' | 'entered-in-error';

  @Column({ name: 'entered_in_error_at', type: 'timestamptz', nullable: true })
  enteredInErrorAt!: Date | null;

  @Column({ name: 'entered_in_error_reason', type: 'text', nullable: true })
  enteredInErrorReason!: string | null;
}

/** Every event the projection has taken in, as it was: the history, and the as-at record. */
@Entity({ name: 'entry_version' })
export class EntryVersionRow {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  /** The entry this event is a version of (its own id unless it amends or corrects one). */
  @Column({ name: 'entry_id', type: 'uuid' })
  entryId!: string;

  @Column({ name: 'nhs_number', type: 'char', length: 10 })
  nhsNumber!: string;

  @Column({ name: 'entry_type', type: 'text' })
  entryType!: string;

  @Column({ name: 'domain', type: 'text' })
  domain!: string;

  @Column({ name: 'schema_version', type: 'int' })
  schemaVersion!: number;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ name: 'source', type: 'jsonb' })
  source!: { service: string; organisation: string; system: string };

  @Column({ name: 'author', type: 'jsonb' })
  author!: { userId: string; role: string; profession: string; organisation: string };

  @Column({ name: 'sensitivity', type: 'text', array: true })
  sensitivity!: string[];

  @Column({ name: 'attention', type: 'jsonb', nullable: true })
  attention!: { role: string; organisation: string; reason: string | null } | null;

  @Column({ name: 'payload', type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'supersedes_reason', type: 'text', nullable: true })
  supersedesReason!: string | null;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'topic', type: 'text' })
  topic!: string;

  @Column({ name: 'kafka_partition', type: 'int' })
  partition!: number;

  @Column({ name: 'kafka_offset', type: 'bigint' })
  offset!: string;
}

/** An organisation's legitimate relationship with a patient (docs/architecture.md, "Access rules"). */
@Entity({ name: 'care_relationship' })
export class CareRelationshipRow {
  @PrimaryColumn({ name: 'started_by_event_id', type: 'uuid' })
  startedByEventId!: string;

  @Column({ name: 'nhs_number', type: 'char', length: 10 })
  nhsNumber!: string;

  @Column({ name: 'organisation', type: 'text' })
  organisation!: string;

  @Column({ name: 'kind', type: 'text' })
  kind!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}

/** A patient's consent decisions, current state per subject (the history is in entry_version). */
@Entity({ name: 'consent_state' })
export class ConsentStateRow {
  @PrimaryColumn({ name: 'nhs_number', type: 'char', length: 10 })
  nhsNumber!: string;

  /** e.g. `opt-out:national-data-opt-out`, `seal:<entry id>:organisation:B82002`, `carer:<user id>`, `share:sexual-health:A81001`. */
  @PrimaryColumn({ name: 'subject', type: 'text' })
  subject!: string;

  @Column({ name: 'active', type: 'boolean' })
  active!: boolean;

  @Column({ name: 'detail', type: 'jsonb' })
  detail!: Record<string, unknown>;

  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt!: Date;

  @Column({ name: 'changed_by_event_id', type: 'uuid' })
  changedByEventId!: string;
}

/**
 * An entry flagged for attention, as a task for the role and organisation it names: open
 * until acknowledged, escalated when left too long. Its steps are events (AttentionAcknowledged,
 * AttentionEscalated) kept in entry_version like every other event.
 */
@Entity({ name: 'attention_task' })
export class AttentionTaskRow {
  /** The flagged entry's id. */
  @PrimaryColumn({ name: 'task_id', type: 'uuid' })
  taskId!: string;

  @Column({ name: 'nhs_number', type: 'char', length: 10 })
  nhsNumber!: string;

  @Column({ name: 'entry_type', type: 'text' })
  entryType!: string;

  @Column({ name: 'domain', type: 'text' })
  domain!: string;

  @Column({ name: 'recipient_role', type: 'text' })
  recipientRole!: string;

  @Column({ name: 'recipient_organisation', type: 'text' })
  recipientOrganisation!: string;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'flagged_at', type: 'timestamptz' })
  flaggedAt!: Date;

  @Column({ name: 'status', type: 'text' })
  status!: 'open' | 'acknowledged' | 'withdrawn';

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'acknowledged_by', type: 'jsonb', nullable: true })
  acknowledgedBy!: { userId: string; role: string; organisation: string } | null;

  @Column({ name: 'acknowledgement_event_id', type: 'uuid', nullable: true })
  acknowledgementEventId!: string | null;

  @Column({ name: 'escalation_level', type: 'int' })
  escalationLevel!: number;

  @Column({ name: 'escalated_at', type: 'timestamptz', nullable: true })
  escalatedAt!: Date | null;

  @Column({ name: 'escalated_to_role', type: 'text', nullable: true })
  escalatedToRole!: string | null;

  @Column({ name: 'escalated_to_organisation', type: 'text', nullable: true })
  escalatedToOrganisation!: string | null;
}

/**
 * A link between a child's record and its mother's (both ways: one row from each side), made by
 * the birth that created the child's record. Shown to a reader who may read both records.
 */
@Entity({ name: 'family_link' })
export class FamilyLinkRow {
  @PrimaryColumn({ name: 'nhs_number', type: 'char', length: 10 })
  nhsNumber!: string;

  @PrimaryColumn({ name: 'linked_nhs_number', type: 'char', length: 10 })
  linkedNhsNumber!: string;

  /** What the linked record's person is to this record's: `mother` or `child`. */
  @Column({ name: 'relation', type: 'text' })
  relation!: 'mother' | 'child';

  /** The child's birth time, from the birth's payload. */
  @Column({ name: 'born_at', type: 'timestamptz' })
  bornAt!: Date;

  @Column({ name: 'birth_event_id', type: 'uuid' })
  birthEventId!: string;
}

export const READ_MODEL_ENTITIES = [
  RecordEntryRow,
  EntryVersionRow,
  CareRelationshipRow,
  ConsentStateRow,
  AttentionTaskRow,
  FamilyLinkRow,
];

/** The tables a read-model version has; each is exposed as a view in the serving schema. */
export const READ_MODEL_TABLES = [
  'record_entry',
  'entry_version',
  'care_relationship',
  'consent_state',
  'projection_checkpoint',
  'attention_task',
  'family_link',
  'record_summary',
];
