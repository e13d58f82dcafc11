import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What a producer has published, keyed by event id: answers a retried request with the same
 * response (idempotency), refuses a reused key with another body, and tells a correction
 * which organisation wrote the entry it corrects.
 */
@Entity({ name: 'published_entry' })
export class PublishedEntryRow {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ name: 'organisation', type: 'text' })
  organisation!: string;

  @Column({ name: 'entry_type', type: 'text' })
  entryType!: string;

  @Column({ name: 'domain', type: 'text' })
  domain!: string;

  @Column({ name: 'nhs_number', type: 'char', length: 10 })
  nhsNumber!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'sensitivity', type: 'text', array: true })
  sensitivity!: string[];

  @Column({ name: 'topic', type: 'text' })
  topic!: string;

  @Column({ name: 'kafka_partition', type: 'int' })
  partition!: number;

  @Column({ name: 'kafka_offset', type: 'bigint' })
  offset!: string;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt!: Date;

  /** The version's flag, so that a correction can keep it. */
  @Column({ name: 'attention', type: 'jsonb', nullable: true })
  attention!: { role: string; organisation: string; reason: string | null } | null;

  /** The entry this version amends, if it is an amendment. */
  @Column({ name: 'supersedes', type: 'uuid', nullable: true })
  supersedes!: string | null;
}
