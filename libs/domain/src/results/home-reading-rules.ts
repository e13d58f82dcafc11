import { HOME_BP_THRESHOLD } from '../journal/routine-summaries';

/**
 * Home readings that act, as data (NICE NG136, "Hypertension in adults: diagnosis and
 * management"):
 * - a run of home blood-pressure readings whose average is at or over 135/85 mmHg is raised
 *   home blood pressure: a routine review by the practice. NG136's home monitoring runs for at
 *   least 4 days (ideally 7), twice a day, discarding the first day's readings and averaging
 *   the rest; so a run here is up to `spanDays` from its first reading, counted once it covers
 *   `minDays` calendar days (UTC) and holds `minReadings` readings after the first day.
 * - a single reading at or over 180/120 mmHg (NG136's severe hypertension, where same-day
 *   assessment for signs such as papilloedema or retinal haemorrhage is needed): an urgent,
 *   same-day task.
 */
export const HOME_BP_RULES = {
  guidance: 'NICE NG136',
  severe: {
    rule: 'home-bp-severe-reading',
    urgency: 'urgent',
    systolic: 180,
    diastolic: 120,
  },
  run: {
    rule: 'home-bp-run-average',
    urgency: 'routine',
    systolic: HOME_BP_THRESHOLD.systolic,
    diastolic: HOME_BP_THRESHOLD.diastolic,
    spanDays: 7,
    minDays: 4,
    discardFirstDay: true,
    minReadings: 6,
  },
} as const;

export type HomeBpRules = typeof HOME_BP_RULES;

/** One home blood-pressure reading: a HomeReadingRecorded entry with a systolic and a diastolic value. */
export interface HomeBpReading {
  eventId: string;
  occurredAt: Date;
  systolic: number;
  diastolic: number;
}

/** What a rule found: one attention task for the practice. */
export interface HomeReadingFlag {
  rule: HomeBpRules['severe']['rule'] | HomeBpRules['run']['rule'];
  urgency: 'urgent' | 'routine';
  /** Stable for the same reading or run, whenever and however often it is evaluated. */
  key: string;
  /** The readings linked to the task. */
  readings: string[];
  summary: { readingCount: number; systolic: number; diastolic: number; from: Date; to: Date };
  /** The task's reason, as the practice reads it. */
  reason: string;
}

const recordOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};

/** The systolic and diastolic values of a HomeReadingRecorded payload, if it is a blood pressure. */
export function bloodPressureOf(
  payload: Record<string, unknown>,
): { systolic: number; diastolic: number } | undefined {
  const readings = Array.isArray(payload['readings']) ? (payload['readings'] as unknown[]) : [];
  const valueOf = (name: string): number | undefined => {
    const found = readings
      .map(recordOf)
      .find((reading) => String(reading['name']).trim().toLowerCase() === name);
    const value = found?.['value'];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const systolic = valueOf('systolic');
  const diastolic = valueOf('diastolic');
  return systolic === undefined || diastolic === undefined ? undefined : { systolic, diastolic };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const utcDay = (at: Date): string => at.toISOString().slice(0, 10);
const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
const oneDecimal = (value: number) => Math.round(value * 10) / 10;
const dayMonth = (at: Date) =>
  at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

const byTime = (a: HomeBpReading, b: HomeBpReading) =>
  a.occurredAt.getTime() - b.occurredAt.getTime() || a.eventId.localeCompare(b.eventId);

/**
 * The patient's readings cut into runs: a run starts at the first reading not in an earlier
 * run and holds every reading within `spanDays` of it. Decided by the readings alone, so the
 * same readings always make the same runs (and the same task keys) on every evaluation.
 */
export function homeBpRuns(
  readings: readonly HomeBpReading[],
  rules: HomeBpRules = HOME_BP_RULES,
): HomeBpReading[][] {
  const runs: HomeBpReading[][] = [];
  let current: HomeBpReading[] = [];
  for (const reading of [...readings].sort(byTime)) {
    const start = current[0];
    if (
      start &&
      reading.occurredAt.getTime() - start.occurredAt.getTime() < rules.run.spanDays * DAY_MS
    ) {
      current.push(reading);
      continue;
    }
    if (current.length > 0) runs.push(current);
    current = [reading];
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/** The routine flag a run raises, if its readings (the first day discarded) average at or over the threshold. */
function runFlag(run: readonly HomeBpReading[], rules: HomeBpRules): HomeReadingFlag | undefined {
  const first = run[0];
  if (!first) return undefined;
  if (new Set(run.map((reading) => utcDay(reading.occurredAt))).size < rules.run.minDays)
    return undefined;
  const counted = rules.run.discardFirstDay
    ? run.filter((reading) => utcDay(reading.occurredAt) !== utcDay(first.occurredAt))
    : [...run];
  const from = counted[0];
  const to = counted.at(-1);
  if (!from || !to || counted.length < rules.run.minReadings) return undefined;
  const systolic = mean(counted.map((reading) => reading.systolic));
  const diastolic = mean(counted.map((reading) => reading.diastolic));
  if (systolic < rules.run.systolic && diastolic < rules.run.diastolic) return undefined;
  return {
    rule: rules.run.rule,
    urgency: rules.run.urgency,
    key: `${rules.run.rule}:${first.eventId}`,
    readings: counted.map((reading) => reading.eventId),
    summary: {
      readingCount: counted.length,
      systolic: oneDecimal(systolic),
      diastolic: oneDecimal(diastolic),
      from: from.occurredAt,
      to: to.occurredAt,
    },
    reason:
      `Home blood pressure averaged ${Math.round(systolic)}/${Math.round(diastolic)} mmHg over ` +
      `${counted.length} readings, ${dayMonth(from.occurredAt)} to ${dayMonth(to.occurredAt)}, ` +
      `at or over ${rules.run.systolic}/${rules.run.diastolic} (${rules.guidance}): routine review`,
  };
}

/**
 * Pure: every task the rules give for a patient's home blood-pressure readings: one urgent task
 * per reading at or over the severe threshold, one routine task per run that averages at or over
 * the home threshold. The caller raises those not raised before (the key makes the event id).
 */
export function evaluateHomeBloodPressure(
  readings: readonly HomeBpReading[],
  rules: HomeBpRules = HOME_BP_RULES,
): HomeReadingFlag[] {
  const flags: HomeReadingFlag[] = [];
  for (const reading of [...readings].sort(byTime)) {
    if (reading.systolic < rules.severe.systolic && reading.diastolic < rules.severe.diastolic)
      continue;
    flags.push({
      rule: rules.severe.rule,
      urgency: rules.severe.urgency,
      key: `${rules.severe.rule}:${reading.eventId}`,
      readings: [reading.eventId],
      summary: {
        readingCount: 1,
        systolic: reading.systolic,
        diastolic: reading.diastolic,
        from: reading.occurredAt,
        to: reading.occurredAt,
      },
      reason:
        `Home blood pressure ${reading.systolic}/${reading.diastolic} mmHg on ${dayMonth(reading.occurredAt)}, ` +
        `at or over ${rules.severe.systolic}/${rules.severe.diastolic} (${rules.guidance}): same-day review`,
    });
  }
  for (const run of homeBpRuns(readings, rules)) {
    const flag = runFlag(run, rules);
    if (flag) flags.push(flag);
  }
  return flags;
}
