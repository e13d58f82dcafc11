import type { AccessEventRecorded } from '@carelog/codec';
import { setting } from '@carelog/config';
import { DomainError } from '@carelog/domain';
import { AUDIT_TOPIC } from '@carelog/kafka';
import { migrateExclusively } from '@carelog/read-model';
import type { Kafka } from 'kafkajs';
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
import { AuditPublisher } from './audit-publisher';
import { chainHash, GENESIS_HASH } from './chain';
import { verifyAuditChain, type ChainVerdict } from './verify-chain';

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
    // Version 2: what the access was made under, and a privacy officer's review.
    basis: fields.basis,
    claim: fields.claim && {
      reason: fields.claim.reason,
      expiresAt: new Date(fields.claim.expiresAt),
    },
    review: fields.review && {
      reason: fields.review.reason,
      reader: fields.review.reader,
      asAt: fields.review.asAt === null ? null : new Date(fields.review.asAt),
      alertId: fields.review.alertId,
      outcome: fields.review.outcome,
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
  /** What let the reader in (patient, care-relationship, carer, break-glass, claim); null before it was recorded. */
  basis: string | null;
  claim: { reason: string; expiresAt: Date } | null;
  /** A privacy officer's reconstruction (with its reason) or acknowledgement. */
  review: StoredAccessFields['review'];
}

export const ALERT_KINDS = ['break-glass', 'claim', 'repeated-refusals'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_OUTCOMES = ['appropriate', 'inappropriate', 'referred'] as const;
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

/** A break-glass, a claim or repeated refused break-glass attempts, for the privacy officer. */
export interface PrivacyOfficerAlert {
  accessId: string;
  kind: AlertKind;
  occurredAt: Date;
  actor: AccessActor;
  nhsNumber: string;
  outcome: AccessOutcome;
  /** Null only for refused attempts, which gave none that was accepted. */
  reason: string | null;
  expiresAt: Date | null;
  acknowledgement: {
    at: Date;
    by: AccessActor;
    outcome: AlertOutcome;
    note: string | null;
  } | null;
}

/** Who is reviewed by whom: the actor organisations a privacy officer's queries cover. */
export interface ReviewScope {
  organisations: readonly string[];
}

/** Refused break-glass attempts by one user within a day that raise an alert (every Nth). */
export const DEFAULT_REFUSALS_BEFORE_ALERT = setting('CARELOG_BREAK_GLASS_REFUSALS_ALERT', {});
const REFUSAL_WINDOW = '24 hours';

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
  basis: string | null;
  claim: { reason: string; expiresAt: string } | null;
  review: StoredAccessFields['review'];
};

type AlertRow = {
  access_id: string;
  kind: AlertKind;
  occurred_at: Date;
  actor: AccessActor;
  nhs_number: string;
  outcome: AccessOutcome;
  reason: string | null;
  expires_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: AccessActor | null;
  acknowledgement_outcome: AlertOutcome | null;
  acknowledgement_note: string | null;
};

const ALERT_COLUMNS = `access_id, kind, occurred_at, actor, nhs_number, outcome, reason, expires_at,
  acknowledged_at, acknowledged_by, acknowledgement_outcome, acknowledgement_note`;

const alertOf = (row: AlertRow): PrivacyOfficerAlert => ({
  accessId: row.access_id,
  kind: row.kind,
  occurredAt: row.occurred_at,
  actor: row.actor,
  nhsNumber: row.nhs_number,
  outcome: row.outcome,
  reason: row.reason,
  expiresAt: row.expires_at,
  acknowledgement:
    row.acknowledged_at && row.acknowledged_by && row.acknowledgement_outcome
      ? {
          at: row.acknowledged_at,
          by: row.acknowledged_by,
          outcome: row.acknowledgement_outcome,
          note: row.acknowledgement_note,
        }
      : null,
});

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
 * The hash-chained trail of every access to patient data (docs/architecture.md, "Access rules"),
 * written to Postgres and then published to the audit topic.
 *
 * Postgres is where the chain lives, so an access is recorded first there and is never lost
 * to a broker outage: when the publish fails, `record` throws AuditPublishError after the
 * row is committed, and the caller decides whether to answer anyway or retry.
 */
export class AuditTrail {
  private readonly publisher: AuditPublisher;

  constructor(
    private readonly dataSource: DataSource,
    kafka: Kafka,
    private readonly options: {
      schema?: string;
      topic?: string;
      /** Every Nth refused break-glass by one user within a day is alerted (default 3). */
      refusalsBeforeAlert?: number;
    } = {},
  ) {
    this.publisher = new AuditPublisher(kafka, () => this.topic);
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
            break_glass, basis, claim, review, prev_hash, hash)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9::jsonb, $10, $11::jsonb, $12::jsonb, $13, $14)`,
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
          fields.basis,
          fields.claim && JSON.stringify(fields.claim),
          fields.review && JSON.stringify(fields.review),
          prevHash,
          hash,
        ],
      );
      const kind = await this.alertKind(manager, fields);
      if (kind) {
        const granted = fields.breakGlass ?? fields.claim;
        await manager.query(
          `INSERT INTO ${this.table('privacy_officer_alert')}
             (access_id, kind, occurred_at, actor, nhs_number, outcome, reason, expires_at)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)`,
          [
            fields.accessId,
            kind,
            fields.occurredAt,
            JSON.stringify(fields.actor),
            fields.nhsNumber,
            fields.outcome,
            granted?.reason ?? null,
            granted?.expiresAt ?? null,
          ],
        );
      }
      return { seq, prevHash, hash };
    });
  }

  /**
   * Which alert, if any, the event raises: every break-glass granted and every claim made; a
   * refused break-glass only when it makes the user's refusals within a day a multiple of
   * `refusalsBeforeAlert` (one alert per run of refusals, not one per attempt).
   */
  private async alertKind(
    manager: EntityManager,
    fields: StoredAccessFields,
  ): Promise<AlertKind | undefined> {
    if (fields.outcome === 'allowed') {
      if (fields.action === 'break-glass') return 'break-glass';
      if (fields.action === 'claim-relationship') return 'claim';
      return undefined;
    }
    if (fields.action !== 'break-glass') return undefined;
    const every = this.options.refusalsBeforeAlert ?? DEFAULT_REFUSALS_BEFORE_ALERT;
    const [row] = await manager.query<Array<{ refusals: number }>>(
      `SELECT count(*)::int AS refusals FROM ${this.table('access_event')}
       WHERE action = 'break-glass' AND outcome = 'denied' AND actor->>'userId' = $1
         AND occurred_at > $2::timestamptz - interval '${REFUSAL_WINDOW}'`,
      [fields.actor.userId, fields.occurredAt],
    );
    const refusals = row?.refusals ?? 0;
    return every > 0 && refusals > 0 && refusals % every === 0 ? 'repeated-refusals' : undefined;
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
    const result = await this.publisher.publish('AccessEventRecorded', message.accessId, message);
    return {
      topic: this.topic,
      partition: result.partition,
      offset: result.baseOffset ?? result.offset ?? '',
    };
  }

  /** Waits for publishes in flight, then closes the connection to the broker. */
  async disconnect(): Promise<void> {
    await this.publisher.disconnect();
  }

  /** The patient's access events, most recently recorded first, `before` a seq for the next page. */
  async accessLog(
    nhsNumber: string,
    { limit, before, scope }: { limit: number; before?: number; scope?: ReviewScope },
  ): Promise<AccessLogEntry[]> {
    const rows = await this.dataSource.query<AccessLogRow[]>(
      `SELECT seq, access_id, occurred_at, actor, action, outcome, entries_shown, break_glass, basis, claim,
              review
       FROM ${this.table('access_event')}
       WHERE nhs_number = $1 AND ($2::bigint IS NULL OR seq < $2)
         AND ($4::text[] IS NULL OR actor->>'organisation' = ANY($4::text[]))
       ORDER BY seq DESC
       LIMIT $3`,
      [nhsNumber, before ?? null, checkedLimit(limit), scope ? [...scope.organisations] : null],
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
      basis: row.basis,
      claim: row.claim && { reason: row.claim.reason, expiresAt: new Date(row.claim.expiresAt) },
      review: row.review,
    }));
  }

  /** The access events of one reader (user, role, organisation) on one patient up to a time, oldest first. */
  async accessesBy(
    nhsNumber: string,
    reader: AccessActor,
    until: Date,
  ): Promise<
    Array<{ accessId: string; occurredAt: Date; action: string; entriesShown: number | null }>
  > {
    const rows = await this.dataSource.query<
      Array<{ access_id: string; occurred_at: Date; action: string; entries_shown: number | null }>
    >(
      `SELECT access_id, occurred_at, action, entries_shown FROM ${this.table('access_event')}
       WHERE nhs_number = $1 AND actor->>'userId' = $2 AND actor->>'role' = $3
         AND actor->>'organisation' = $4 AND occurred_at <= $5 AND outcome = 'allowed'
       ORDER BY seq DESC LIMIT 50`,
      [nhsNumber, reader.userId, reader.role, reader.organisation, until],
    );
    return rows.map((row) => ({
      accessId: row.access_id,
      occurredAt: row.occurred_at,
      action: row.action,
      entriesShown: row.entries_shown,
    }));
  }

  /**
   * Alerts about staff of the scope's organisations, newest first: those not yet
   * acknowledged, or all of them.
   */
  async privacyAlerts({
    limit,
    scope,
    status = 'open',
  }: {
    limit: number;
    scope: ReviewScope;
    status?: 'open' | 'all';
  }): Promise<PrivacyOfficerAlert[]> {
    const rows = await this.dataSource.query<AlertRow[]>(
      `SELECT ${ALERT_COLUMNS}
       FROM ${this.table('privacy_officer_alert')}
       WHERE ($3 = 'all' OR acknowledged_at IS NULL) AND actor->>'organisation' = ANY($2::text[])
       ORDER BY occurred_at DESC, access_id
       LIMIT $1`,
      [checkedLimit(limit), [...scope.organisations], status],
    );
    return rows.map(alertOf);
  }

  /**
   * Alerts not yet acknowledged, of every organisation, by kind (each kind, 0 when none): how
   * many, and how long the oldest has waited by the database's clock. One query, on the
   * open-alerts index; for the operators' metrics, so it names no person or organisation.
   */
  async awaitingReview(): Promise<
    Array<{ kind: AlertKind; count: number; oldestSeconds: number }>
  > {
    const rows = await this.dataSource.query<
      Array<{ kind: string; count: number; oldest_seconds: number }>
    >(
      `SELECT kind, count(*)::int AS count,
              extract(epoch FROM clock_timestamp() - min(occurred_at))::float8 AS oldest_seconds
       FROM ${this.table('privacy_officer_alert')}
       WHERE acknowledged_at IS NULL
       GROUP BY kind`,
    );
    return ALERT_KINDS.map((kind) => {
      const row = rows.find((candidate) => candidate.kind === kind);
      return {
        kind,
        count: row?.count ?? 0,
        oldestSeconds: row ? Math.max(0, Number(row.oldest_seconds)) : 0,
      };
    });
  }

  /** Recomputes this trail's hash chain (`verifyAuditChain` on its data source and schema). */
  verifyChain(): Promise<ChainVerdict> {
    return verifyAuditChain(this.dataSource, { schema: this.schema });
  }

  /**
   * Records a privacy officer's review of one alert in their scope. An alert outside the scope
   * answers as one that does not exist; one already acknowledged is refused.
   */
  async acknowledgeAlert(
    accessId: string,
    review: { by: AccessActor; outcome: AlertOutcome; note: string | null; at: Date },
    scope: ReviewScope,
  ): Promise<PrivacyOfficerAlert> {
    const [row] = await this.dataSource.query<AlertRow[]>(
      `SELECT ${ALERT_COLUMNS} FROM ${this.table('privacy_officer_alert')}
       WHERE access_id = $1 AND actor->>'organisation' = ANY($2::text[])`,
      [accessId, [...scope.organisations]],
    );
    if (!row) throw new DomainError('alert-not-found', 'no alert with that id is yours to review');
    const updated = await this.dataSource.query<[AlertRow[], number]>(
      `UPDATE ${this.table('privacy_officer_alert')}
       SET acknowledged_at = $2, acknowledged_by = $3::jsonb, acknowledgement_outcome = $4,
           acknowledgement_note = $5
       WHERE access_id = $1 AND acknowledged_at IS NULL
       RETURNING ${ALERT_COLUMNS}`,
      [accessId, review.at, JSON.stringify(review.by), review.outcome, review.note],
    );
    const [done] = updated[0];
    if (!done)
      throw new DomainError(
        'alert-already-acknowledged',
        'this alert has already been reviewed',
        'accessId',
      );
    return alertOf(done);
  }
}
