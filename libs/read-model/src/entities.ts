import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The lifelong record: one row per record-entry event, whatever its source. Written only by
 * services/projection; read by services/record-api.
 */
@Entity({ name: 'record_entry' })
@Index('record_entry_patient_time', ['nhsNumber', 'occurredAt', 'eventId'])
export class RecordEntryRow {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

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

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'topic', type: 'text' })
  topic!: string;

  @Column({ name: 'kafka_partition', type: 'int' })
  partition!: number;

  @Column({ name: 'kafka_offset', type: 'bigint' })
  offset!: string;
}

/** An organisation's legitimate relationship with a patient (DESIGN.md, "Access rules"). */
@Entity({ name: 'care_relationship' })
@Index('care_relationship_patient_org', ['nhsNumber', 'organisation'])
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

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}

/**
 * The next Kafka offset to read per topic-partition, written in the same transaction as the
 * rows it covers: this table, not Kafka's committed offsets, says how far the read model is.
 */
@Entity({ name: 'projection_checkpoint' })
export class ProjectionCheckpointRow {
  @PrimaryColumn({ name: 'consumer_group', type: 'text' })
  consumerGroup!: string;

  @PrimaryColumn({ name: 'topic', type: 'text' })
  topic!: string;

  @PrimaryColumn({ name: 'kafka_partition', type: 'int' })
  partition!: number;

  @Column({ name: 'next_offset', type: 'bigint' })
  nextOffset!: string;
}

export const READ_MODEL_ENTITIES = [RecordEntryRow, CareRelationshipRow, ProjectionCheckpointRow];
