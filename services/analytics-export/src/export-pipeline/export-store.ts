import { setting } from '@carelog/config';
import {
  CheckpointStore,
  configuredDatabaseUrl,
  migrateExclusively,
  ParameterFreeLogger,
  type PartitionRef,
} from '@carelog/read-model';
import { DataSource, type EntityManager } from 'typeorm';
import type { AnalyticsOptOutType } from '../pseudonymised-entry/export-decision';
import { AnalyticsExport1795700000000 } from './migrations/0001-analytics-export';

/** The export's own Postgres schema; CARELOG_ANALYTICS_SCHEMA gives a test its own. */
export const DEFAULT_ANALYTICS_SCHEMA = setting('CARELOG_ANALYTICS_SCHEMA', {});
export const analyticsSchema = (): string => setting('CARELOG_ANALYTICS_SCHEMA');

export function exportDataSource(options: {
  schema?: string;
  poolSize?: number;
  applicationName: string;
}): DataSource {
  const schema = options.schema ?? analyticsSchema();
  return new DataSource({
    type: 'postgres',
    url: configuredDatabaseUrl(),
    schema,
    applicationName: options.applicationName,
    migrations: [AnalyticsExport1795700000000],
    migrationsTableName: 'analytics_export_migrations',
    extra: { max: options.poolSize ?? 5, options: `-c search_path=${schema}` },
    logger: new ParameterFreeLogger(),
    maxQueryExecutionTime: 2000,
  });
}

export const migrateExportStore = (dataSource: DataSource): Promise<void> =>
  migrateExclusively(
    dataSource,
    (dataSource.options as { schema?: string }).schema ?? analyticsSchema(),
    'analyticsExport',
  );

export interface StagedEntry {
  analyticsId: string;
  patientPseudonym: string;
  setting: string;
  organisation: string;
  /** Days since 1970-01-01 (UTC) of clinical time. */
  clinicalDay: number;
  recordedAt: Date;
  /** The encoded AnalyticsRecordEntry. */
  message: Buffer;
}

export interface OptOutChange {
  patientPseudonym: string;
  optOutType: AnalyticsOptOutType;
  active: boolean;
  changedAt: Date;
}

export interface ConsumedBatch {
  partition: PartitionRef;
  staged: StagedEntry[];
  /** In log order: the last change for a patient and type is the one in force. */
  optOutChanges: OptOutChange[];
  nextOffset: bigint;
  maxRecordedAt: Date | undefined;
}

/** A staged entry the consent watermark has passed, with its patient's opt-outs as read. */
export interface ReleasableEntry {
  analyticsId: string;
  patientPseudonym: string;
  setting: string;
  organisation: string;
  clinicalDay: string;
  message: Buffer;
  nationalDataOptOut: boolean;
  type1: boolean;
}

export interface CountTotal {
  organisation: string;
  /** YYYY-MM-DD */
  day: string;
  setting: string;
  entriesExported: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Everything the export keeps in Postgres, each write in one transaction with what it depends on. */
export class ExportStore {
  /** The consumer's checkpoints, with the latest system time stored (the consent watermark's). */
  readonly checkpoints: CheckpointStore;

  constructor(readonly dataSource: DataSource) {
    this.checkpoints = new CheckpointStore(dataSource, 'consumer_checkpoint', {
      withRecordedAt: true,
    });
  }

  /** Stages the batch's entries, applies its opt-out changes and moves the checkpoint, atomically. */
  async writeBatch(batch: ConsumedBatch): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (batch.staged.length > 0) {
        const column = <T>(pick: (entry: StagedEntry) => T): T[] => batch.staged.map(pick);
        await manager.query(
          `INSERT INTO staged_entry (analytics_id, patient_pseudonym, setting, organisation, clinical_day, recorded_at, message)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::timestamptz[], $7::bytea[])
           ON CONFLICT (analytics_id) DO NOTHING`,
          [
            column((entry) => entry.analyticsId),
            column((entry) => entry.patientPseudonym),
            column((entry) => entry.setting),
            column((entry) => entry.organisation),
            column((entry) => isoDay(entry.clinicalDay)),
            column((entry) => entry.recordedAt.toISOString()),
            column((entry) => entry.message),
          ],
        );
      }
      for (const change of batch.optOutChanges) {
        await manager.query(
          `INSERT INTO opt_out (patient_pseudonym, opt_out_type, active, changed_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (patient_pseudonym, opt_out_type) DO UPDATE SET active = $3, changed_at = $4`,
          [change.patientPseudonym, change.optOutType, change.active, change.changedAt],
        );
      }
      await this.checkpoints.store(manager, batch.partition, batch.nextOffset, batch.maxRecordedAt);
    });
  }

  /**
   * Runs `decide` on up to `limit` staged entries recorded at or before the watermark (rows
   * locked, skipping any another instance holds), all in one transaction: what `decide` does
   * with them (publishing) happens before the rows are marked released, so a crash can
   * publish an entry twice but never lose one.
   */
  releaseUpTo<T>(
    watermark: Date,
    limit: number,
    decide: (entries: ReleasableEntry[], tx: ReleaseTransaction) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<
        Array<{
          analytics_id: string;
          patient_pseudonym: string;
          setting: string;
          organisation: string;
          clinical_day: string;
          message: Buffer;
          ndoo: boolean;
          type1: boolean;
        }>
      >(
        `SELECT s.analytics_id, s.patient_pseudonym, s.setting, s.organisation,
                to_char(s.clinical_day, 'YYYY-MM-DD') AS clinical_day, s.message,
                COALESCE(n.active, false) AS ndoo, COALESCE(t.active, false) AS type1
         FROM staged_entry s
         LEFT JOIN opt_out n ON n.patient_pseudonym = s.patient_pseudonym AND n.opt_out_type = 'national-data-opt-out'
         LEFT JOIN opt_out t ON t.patient_pseudonym = s.patient_pseudonym AND t.opt_out_type = 'type-1'
         WHERE s.released_at IS NULL AND s.recorded_at <= $1
         ORDER BY s.recorded_at
         LIMIT $2
         FOR UPDATE OF s SKIP LOCKED`,
        [watermark.toISOString(), limit],
      );
      const entries = rows.map((row) => ({
        analyticsId: row.analytics_id,
        patientPseudonym: row.patient_pseudonym,
        setting: row.setting,
        organisation: row.organisation,
        clinicalDay: row.clinical_day,
        message: row.message,
        nationalDataOptOut: row.ndoo,
        type1: row.type1,
      }));
      return decide(entries, new ReleaseTransaction(manager));
    });
  }

  /**
   * Deletes decided rows released before `releasedBefore`. They are kept a while only so that
   * the same event read twice (a producer's duplicate) is recognised; the checkpoint already
   * keeps a re-read partition from deciding anything twice.
   */
  async pruneReleased(releasedBefore: Date): Promise<number> {
    const [, deleted] = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM staged_entry WHERE released_at < $1`,
      [releasedBefore.toISOString()],
    );
    return deleted;
  }

  async awaitingDecision(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM staged_entry WHERE released_at IS NULL`,
    );
    return Number(row?.n ?? 0);
  }
}

/** The writes of one release, inside its transaction. */
export class ReleaseTransaction {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Adds the exported entries to the running totals and returns the new totals. Keys are
   * locked in sorted order, so two instances releasing at once cannot deadlock.
   */
  async addToCounts(
    exported: ReadonlyArray<{ organisation: string; clinicalDay: string; setting: string }>,
  ): Promise<CountTotal[]> {
    const increments = new Map<
      string,
      { organisation: string; day: string; setting: string; n: number }
    >();
    for (const entry of exported) {
      const key = `${entry.organisation}|${entry.clinicalDay}|${entry.setting}`;
      const current = increments.get(key);
      if (current) current.n++;
      else
        increments.set(key, {
          organisation: entry.organisation,
          day: entry.clinicalDay,
          setting: entry.setting,
          n: 1,
        });
    }
    if (increments.size === 0) return [];
    const sorted = [...increments.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, v]) => v);
    const rows = await this.manager.query<
      Array<{ organisation: string; day: string; setting: string; entries_exported: string }>
    >(
      `INSERT INTO entry_count (organisation, day, setting, entries_exported)
       SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[])
       ON CONFLICT (organisation, day, setting)
       DO UPDATE SET entries_exported = entry_count.entries_exported + EXCLUDED.entries_exported
       RETURNING organisation, to_char(day, 'YYYY-MM-DD') AS day, setting, entries_exported`,
      [
        sorted.map((v) => v.organisation),
        sorted.map((v) => v.day),
        sorted.map((v) => v.setting),
        sorted.map((v) => v.n),
      ],
    );
    return rows.map((row) => ({
      organisation: row.organisation,
      day: row.day,
      setting: row.setting,
      entriesExported: Number(row.entries_exported),
    }));
  }

  async markReleased(
    outcomes: ReadonlyArray<{ analyticsId: string; outcome: string }>,
  ): Promise<void> {
    if (outcomes.length === 0) return;
    await this.manager.query(
      `UPDATE staged_entry SET released_at = now(), outcome = u.outcome, message = NULL
       FROM unnest($1::text[], $2::text[]) AS u(analytics_id, outcome)
       WHERE staged_entry.analytics_id = u.analytics_id`,
      [outcomes.map((o) => o.analyticsId), outcomes.map((o) => o.outcome)],
    );
  }
}
