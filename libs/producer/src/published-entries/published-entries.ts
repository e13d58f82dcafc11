import { createHash } from 'node:crypto';
import type { UncheckedRecordEntryEvent } from '@carelog/codec';
import { DomainError } from '@carelog/domain';
import type { PublishedPosition } from '@carelog/kafka';
import { DataSource } from 'typeorm';
import { migrateExclusively, ParameterFreeLogger } from '@carelog/read-model';
import { PublishedEntryRow } from './published-entry.entity';
import { PublishedEntries1795600000000, PublishedEntryFlags1796000000000 } from './migrations';

export const PRODUCER_SCHEMA = 'producer';

/** A stable hash of a request body: key order does not matter, content does. */
export function requestHash(body: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

/**
 * Connections to the idempotency store. Each request holds one from its key's insert until
 * the broker acknowledges its event, so this bounds how many requests can share a produce
 * request (RecordEntryPublisher batches them): at 10, 32 concurrent clients waited for each other.
 */
export const PRODUCER_POOL_SIZE = 40;

export function producerDataSource(url: string, applicationName: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    schema: PRODUCER_SCHEMA,
    applicationName,
    entities: [PublishedEntryRow],
    migrations: [PublishedEntries1795600000000, PublishedEntryFlags1796000000000],
    migrationsTableName: 'producer_migrations',
    extra: { max: PRODUCER_POOL_SIZE, options: `-c search_path=${PRODUCER_SCHEMA}` },
    logger: new ParameterFreeLogger(),
  });
}

export const migrateProducerSchema = (dataSource: DataSource): Promise<void> =>
  migrateExclusively(dataSource, PRODUCER_SCHEMA, 'producer');

/**
 * Publishes each event at most once per Idempotency-Key. The row for the event is inserted
 * and held in a transaction while the broker is asked, so a concurrent retry waits for the
 * first attempt's outcome instead of publishing again; if publishing fails, the transaction
 * rolls back and nothing is remembered, so a later retry publishes afresh.
 */
export class PublishedEntries {
  constructor(private readonly dataSource: DataSource) {}

  async publishOnce(
    event: UncheckedRecordEntryEvent,
    domain: string,
    hash: string,
    publish: () => Promise<PublishedPosition>,
  ): Promise<PublishedPosition> {
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(PublishedEntryRow);
      // Waits here while another transaction holds the same event id, then sees its outcome.
      const inserted = await manager.query<Array<{ event_id: string }>>(
        `INSERT INTO published_entry
           (event_id, request_hash, organisation, entry_type, domain, nhs_number, occurred_at, sensitivity,
            topic, kafka_partition, kafka_offset, published_at, attention, supersedes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', -1, -1, $9, $10, $11)
         ON CONFLICT (event_id) DO NOTHING
         RETURNING event_id`,
        [
          event.eventId,
          hash,
          event.source.organisation,
          event.type,
          domain,
          event.patient.nhsNumber,
          event.occurredAt,
          event.sensitivity,
          event.recordedAt,
          event.attention ? JSON.stringify(event.attention) : null,
          event.supersedes?.eventId ?? null,
        ],
      );
      if (inserted.length === 0) {
        const existing = await repository.findOneByOrFail({ eventId: event.eventId });
        if (existing.requestHash !== hash) {
          throw new DomainError(
            'idempotency-key-reused',
            'this Idempotency-Key was used for a different request',
            'Idempotency-Key',
          );
        }
        return { topic: existing.topic, partition: existing.partition, offset: existing.offset };
      }
      const position = await publish();
      await repository.update(
        { eventId: event.eventId },
        { topic: position.topic, partition: position.partition, offset: position.offset },
      );
      return position;
    });
  }

  /**
   * Where an event this key already recorded is, when the same request comes again: a replay
   * answers as the first request was answered, before any rule is decided afresh (the first
   * entry may itself have changed what the rules say, as a claim does). The key used for a
   * different request is refused. Null when nothing was recorded under this event id.
   */
  async replay(
    eventId: string,
    hash: string,
  ): Promise<(PublishedPosition & { occurredAt: Date }) | null> {
    const earlier = await this.find(eventId);
    if (!earlier || earlier.offset === '-1') return null;
    if (earlier.requestHash !== hash)
      throw new DomainError(
        'idempotency-key-reused',
        'this Idempotency-Key was used for a different request',
        'Idempotency-Key',
      );
    return {
      topic: earlier.topic,
      partition: earlier.partition,
      offset: earlier.offset,
      occurredAt: earlier.occurredAt,
    };
  }

  find(eventId: string): Promise<PublishedEntryRow | null> {
    return this.dataSource.getRepository(PublishedEntryRow).findOneBy({ eventId });
  }

  /** The flag of an entry's latest version published here: the entry itself or its latest amendment. */
  async currentAttention(eventId: string): Promise<PublishedEntryRow['attention']> {
    const [row] = await this.dataSource.query<Array<{ attention: PublishedEntryRow['attention'] }>>(
      `SELECT attention FROM published_entry
       WHERE (event_id = $1 OR supersedes = $1) AND kafka_offset >= 0
       ORDER BY published_at DESC, kafka_offset DESC LIMIT 1`,
      [eventId],
    );
    return row?.attention ?? null;
  }
}
