import { Logger } from '@nestjs/common';
import { setting } from '@carelog/config';
import {
  bloodPressureOf,
  evaluateHomeBloodPressure,
  HOME_BP_RULES,
  type HomeBpReading,
  type HomeBpRules,
} from '@carelog/domain';
import type { EntryRecorder } from '@carelog/producer';
import { metricsRegistry, PollingLoop } from '@carelog/nest-platform';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';

const raised = new Counter({
  name: 'carelog_home_reading_tasks_raised_total',
  help: 'Attention tasks raised by the home-reading rules (NICE NG136), by urgency',
  labelNames: ['urgency'],
  registers: [metricsRegistry],
});
const unaddressed = new Counter({
  name: 'carelog_home_reading_flags_without_practice_total',
  help: 'Home-reading rule findings left unraised because the patient has no registered practice in the read model',
  registers: [metricsRegistry],
});

/** Readings recorded this long ago or less are looked at again on every sweep. */
export const DEFAULT_HOME_READING_LOOKBACK_DAYS = setting('CARELOG_HOME_READING_LOOKBACK_DAYS', {});

/**
 * Runs the home-reading rules (HOME_BP_RULES) on the read model beside the task escalator: for
 * every patient with a home reading recorded within the look-back, the rules read all of their
 * blood-pressure readings and each finding becomes a HomeReadingsFlagged entry flagged for the
 * GPs of the patient's registered practice. A finding's event id follows from the patient and
 * the reading or run, so a sweep, a restart, a second record-API instance, a replay or a
 * rebuild never gives a second task for it. Readings the patient sealed, or carrying any
 * sensitivity category, are left out: the rules never tell the practice what the patient hid.
 */
export class HomeReadingRules {
  private readonly loop: PollingLoop<number>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly recorder: EntryRecorder,
    sweepMs: number,
    private readonly lookbackDays: number = DEFAULT_HOME_READING_LOOKBACK_DAYS,
    private readonly rules: HomeBpRules = HOME_BP_RULES,
  ) {
    this.loop = new PollingLoop({
      name: 'home-reading sweep',
      run: () => this.sweep(),
      intervalMs: sweepMs,
      logger: new Logger('HomeReadingRules'),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Raises every finding not raised before; answers how many it raised. */
  async sweep(now = new Date()): Promise<number> {
    const since = new Date(now.getTime() - this.lookbackDays * 24 * 60 * 60 * 1000);
    const patients = await this.dataSource.query<Array<{ nhs_number: string }>>(
      `SELECT DISTINCT nhs_number FROM record_entry
       WHERE entry_type = 'HomeReadingRecorded' AND recorded_at > $1`,
      [since],
    );
    let count = 0;
    for (const { nhs_number: nhsNumber } of patients) {
      const flags = evaluateHomeBloodPressure(await this.readingsOf(nhsNumber), this.rules);
      if (flags.length === 0) continue;
      const practice = await this.registeredPractice(nhsNumber, now);
      if (!practice) {
        unaddressed.inc(flags.length);
        continue;
      }
      for (const flag of flags) {
        if (!(await this.recorder.raiseHomeReadingFlag(nhsNumber, practice, flag))) continue;
        raised.inc({ urgency: flag.urgency });
        count += 1;
      }
    }
    return count;
  }

  /** The patient's current blood-pressure readings, unsealed and with no sensitivity category. */
  private async readingsOf(nhsNumber: string): Promise<HomeBpReading[]> {
    const rows = await this.dataSource.query<
      Array<{ event_id: string; occurred_at: Date; payload: Record<string, unknown> }>
    >(
      `SELECT event_id, occurred_at, payload FROM record_entry entry
       WHERE nhs_number = $1 AND entry_type = 'HomeReadingRecorded' AND status = 'current'
         AND cardinality(sensitivity) = 0
         AND NOT EXISTS (SELECT 1 FROM consent_state seal
                         WHERE seal.nhs_number = entry.nhs_number AND seal.active
                           -- consentSubject.seal's form, for any kind and value
                           AND seal.subject LIKE 'seal:' || entry.event_id::text || ':%')`,
      [nhsNumber],
    );
    return rows.flatMap((row) => {
      const pressure = bloodPressureOf(row.payload);
      return pressure
        ? [{ eventId: row.event_id, occurredAt: new Date(row.occurred_at), ...pressure }]
        : [];
    });
  }

  /** The practice the patient is registered with now (the latest registration in force). */
  private async registeredPractice(nhsNumber: string, now: Date): Promise<string | undefined> {
    const [row] = await this.dataSource.query<Array<{ organisation: string }>>(
      `SELECT organisation FROM care_relationship
       WHERE nhs_number = $1 AND kind = 'gp-registration' AND started_at <= $2
         AND (ended_at IS NULL OR ended_at > $2) AND (expires_at IS NULL OR expires_at > $2)
       ORDER BY started_at DESC LIMIT 1`,
      [nhsNumber, now],
    );
    return row?.organisation;
  }
}
