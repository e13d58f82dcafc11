import { loadAuditCodec, type AccessEventRecorded } from '@carelog/codec';
import { DomainError } from '@carelog/domain';
import { AUDIT_TOPIC, ProducerConnection } from '@carelog/kafka';
import { migrateExclusively } from '@carelog/read-model';
import type { Kafka, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import {
  storedAccessFields,
  type AccessAction,
  type AccessActor,
  type AccessEvent,
  type AccessOutcome,
  type StoredAccessFields,
} from './access-event';
import { auditSchema } from './audit-data-source';
import { chainHash, GENESIS_HASH } from './chain';

/**
 * The message on the audit topic (schemas/audit/AccessEventRecorded): the row as chained, so
 * a consumer can check the chain too and `audit:verify` can compare the trail with it.
 */
export type AccessEventMessage = AccessEventRecorded;

/** The Avro event of a stored row; times become Dates, so the hash's ISO strings round-trip. */
export function accessEventMessage(
  fields: StoredAccessFields,
  row: { seq: number; prevHash: string; hash: string },
): AccessEventMessage {
  return {
    accessId: fields.accessId,
    occurredAt: new Date(fields.occurredAt),
    actor: fields.actor,
    nhsNumber: fields.nhsNumber,
    action: fields.action,
    outcome: fields.outcome === 'allowed' ? 'allowed' : 'denied',
    entriesShown: fields.entriesShown,
    breakGlass: fields.breakGlass && {
      reason: fields.breakGlass.reason,
      expiresAt: new Date(fields.breakGlass.expiresAt),
    },
    seq: row.seq,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

export interface RecordedAccessEvent {
  seq: number;
  hash: string;
  topic: string;
  partition: number;
  offset: string;
}

/** One line of a patient's access log: who, what, when, with what result. */
export interface AccessLogEntry {
  /** The cursor: pass it as `before` for the next page. */
  seq: number;
  accessId: string;
  occurredAt: Date;
  actor: AccessActor;
  action: AccessAction;
  outcome: AccessOutcome;
  entriesShown: number | null;
  breakGlass: { reason: string; expiresAt: Date } | null;
}

/** A break-glass the privacy officer has not yet reviewed. */
export interface PrivacyOfficerAlert {
  accessId: string;
  occurredAt: Date;
  actor: AccessActor;
  nhsNumber: string;
  outcome: AccessOutcome;
  /** Null only for a denied attempt that gave none. */
  reason: string | null;
  expiresAt: Date | null;
}

/**
 * The access event is in the audit trail (Postgres) but did not reach the audit topic.
 * Calling `record` again with the same event retries the publish without a second row.
 */
export class AuditPublishError extends DomainError {
  constructor(
    readonly accessId: string,
    readonly seq: number,
    options: { cause: unknown },
  ) {
    super(
      'audit-publish-failed',
      `access event seq ${seq} is in the audit trail but was not published to the audit topic`,
    );
    this.cause = options.cause;
  }
}

export const ACCESS_LOG_MAX_LIMIT = 500;

/** The advisory lock that serialises appends to one chain (and the reading of its head). */
export const chainLockName = (schema: string): string => `carelog-audit-chain:${schema}`;

/**
 * kafkajs's retry budget for one send once connected. Connecting itself retries on the
 * Kafka client's own budget (createKafka's: about nine seconds to give up on a dead broker).
 */
export const PUBLISH_RETRY = {
  retries: 4,
  initialRetryTime: 200,
  maxRetryTime: 1600,
  factor: 0.2,
  multiplier: 2,
};

interface ChainedRow {
  seq: number;
  prevHash: string;
  hash: string;
}

type AccessLogRow = {
  seq: string;
  access_id: string;
  occurred_at: Date;
  actor: AccessActor;
  action: AccessAction;
  outcome: AccessOutcome;
  entries_shown: number | null;
  break_glass: { reason: string; expiresAt: string } | null;
};

type AlertRow = {
  access_id: string;
  occurred_at: Date;
  actor: AccessActor;
  nhs_number: string;
  outcome: AccessOutcome;
  reason: string | null;
  expires_at: Date | null;
};

function checkedLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > ACCESS_LOG_MAX_LIMIT)
    throw new DomainError(
      'invalid-limit',
      `must be a whole number from 1 to ${ACCESS_LOG_MAX_LIMIT}`,
      'limit',
    );
  return limit;
}

/**
 * The hash-chained trail of every access to patient data (DESIGN.md, "Access rules"),
 * written to Postgres and then published to the audit topic.
 *
 * Postgres is where the chain lives, so an access is recorded first there and is never lost
 * to a broker outage: when the publish fails, `record` throws AuditPublishError after the
 * row is committed, and the caller decides whether to answer anyway or retry.
 */
export class AuditTrail {
  private readonly producer: Producer;
  private readonly connection: ProducerConnection;

  constructor(
    private readonly dataSource: DataSource,
    kafka: Kafka,
    private readonly options: { schema?: string; topic?: string } = {},
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: PUBLISH_RETRY,
    });
    this.connection = new ProducerConnection(
      kafka,
      this.producer,
      () => [this.topic],
      PUBLISH_RETRY,
    );
  }

  private get schema(): string {
    return this.options.schema ?? auditSchema();
  }

  private get topic(): string {
    return this.options.topic ?? AUDIT_TOPIC;
  }

  private table(name: 'access_event' | 'privacy_officer_alert'): string {
    return `"${this.schema}".${name}`;
  }

  /** Creates the schema and tables; safe to call from several instances at once. */
  async migrate(): Promise<void> {
    const configured = (this.dataSource.options as { schema?: string }).schema;
    if (configured !== this.schema)
      throw new Error(
        `the audit trail's data source is on schema ${String(configured)}, not ${this.schema}: create it with auditDataSource()`,
      );
    await migrateExclusively(this.dataSource, this.schema, 'audit');
  }

  /**
   * Appends the event to the chain and publishes it. Idempotent by accessId: recording the
   * same event again (after an AuditPublishError) publishes it again and adds no row; a
   * different event with a used accessId is refused.
   */
  async record(event: AccessEvent): Promise<RecordedAccessEvent> {
    const fields = storedAccessFields(event);
    const row = await this.append(fields);
    try {
      const position = await this.publish(accessEventMessage(fields, row));
      return { seq: row.seq, hash: row.hash, ...position };
    } catch (error) {
      throw new AuditPublishError(fields.accessId, row.seq, { cause: error });
    }
  }

  private append(fields: StoredAccessFields): Promise<ChainedRow> {
    // READ COMMITTED: each statement sees what the previous holder of the lock committed.
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      // One writer at a time per chain, across every instance; released at commit.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        chainLockName(this.schema),
      ]);
      const existing = await this.existing(manager, fields);
      if (existing) return existing;
      const [last] = await manager.query<Array<{ seq: string; hash: string }>>(
        `SELECT seq, hash FROM ${this.table('access_event')} ORDER BY seq DESC LIMIT 1`,
      );
      const seq = last ? Number(last.seq) + 1 : 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = chainHash(fields, prevHash);
      await manager.query(
        `INSERT INTO ${this.table('access_event')}
           (seq, access_id, occurred_at, actor, nhs_number, action, outcome, entries_shown,
            break_glass, prev_hash, hash)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9::jsonb, $10, $11)`,
        [
          seq,
          fields.accessId,
          fields.occurredAt,
          JSON.stringify(fields.actor),
          fields.nhsNumber,
          fields.action,
          fields.outcome,
          fields.entriesShown,
          fields.breakGlass && JSON.stringify(fields.breakGlass),
          prevHash,
          hash,
        ],
      );
      if (fields.action === 'break-glass') {
        await manager.query(
          `INSERT INTO ${this.table('privacy_officer_alert')}
             (access_id, occurred_at, actor, nhs_number, outcome, reason, expires_at)
           VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)`,
          [
            fields.accessId,
            fields.occurredAt,
            JSON.stringify(fields.actor),
            fields.nhsNumber,
            fields.outcome,
            fields.breakGlass?.reason ?? null,
            fields.breakGlass?.expiresAt ?? null,
          ],
        );
      }
      return { seq, prevHash, hash };
    });
  }

  /** The row already recorded under this accessId, if it holds the same event. */
  private async existing(
    manager: EntityManager,
    fields: StoredAccessFields,
  ): Promise<ChainedRow | undefined> {
    const [row] = await manager.query<Array<{ seq: string; prev_hash: string; hash: string }>>(
      `SELECT seq, prev_hash, hash FROM ${this.table('access_event')} WHERE access_id = $1`,
      [fields.accessId],
    );
    if (!row) return undefined;
    // The stored row's hash covers exactly these fields, so recomputing it compares them.
    if (chainHash(fields, row.prev_hash) !== row.hash)
      throw new DomainError(
        'access-id-reused',
        'another access event is already recorded under this accessId',
        'accessId',
      );
    return { seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
  }

  private async publish(
    message: AccessEventMessage,
  ): Promise<{ topic: string; partition: number; offset: string }> {
    await this.connection.ensure();
    const [result] = await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [
        {
          key: message.accessId,
          value: loadAuditCodec().encode('AccessEventRecorded', message),
          headers: {
            'carelog-audit-event': 'AccessEventRecorded',
            'content-type': 'application/vnd.apache.avro+single-object',
          },
        },
      ],
    });
    if (!result) throw new Error('broker returned no record metadata');
    return {
      topic: this.topic,
      partition: result.partition,
      offset: result.baseOffset ?? result.offset ?? '',
    };
  }

  /** Waits for publishes in flight, then closes the connection to the broker. */
  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  /** The patient's access events, most recently recorded first, `before` a seq for the next page. */
  async accessLog(
    nhsNumber: string,
    { limit, before }: { limit: number; before?: number },
  ): Promise<AccessLogEntry[]> {
    const rows = await this.dataSource.query<AccessLogRow[]>(
      `SELECT seq, access_id, occurred_at, actor, action, outcome, entries_shown, break_glass
       FROM ${this.table('access_event')}
       WHERE nhs_number = $1 AND ($2::bigint IS NULL OR seq < $2)
       ORDER BY seq DESC
       LIMIT $3`,
      [nhsNumber, before ?? null, checkedLimit(limit)],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      accessId: row.access_id,
      occurredAt: row.occurred_at,
      actor: row.actor,
      action: row.action,
      outcome: row.outcome,
      entriesShown: row.entries_shown,
      breakGlass: row.break_glass && {
        reason: row.break_glass.reason,
        expiresAt: new Date(row.break_glass.expiresAt),
      },
    }));
  }

  /** Break-glass events the privacy officer has not acknowledged, newest first. */
  async privacyAlerts({ limit }: { limit: number }): Promise<PrivacyOfficerAlert[]> {
    const rows = await this.dataSource.query<AlertRow[]>(
      `SELECT access_id, occurred_at, actor, nhs_number, outcome, reason, expires_at
       FROM ${this.table('privacy_officer_alert')}
       WHERE acknowledged_at IS NULL
       ORDER BY occurred_at DESC, access_id
       LIMIT $1`,
      [checkedLimit(limit)],
    );
    return rows.map((row) => ({
      accessId: row.access_id,
      occurredAt: row.occurred_at,
      actor: row.actor,
      nhsNumber: row.nhs_number,
      outcome: row.outcome,
      reason: row.reason,
      expiresAt: row.expires_at,
    }));
  }
}
