import type { EntryTypeName } from '../generated/entry-type-names';
import { dayOf } from './digest-periods';

/**
 * The entry types a view may summarise into digest lines, each with what its digest says the
 * entries amount to (docs/architecture.md, "Journal views": a blood-pressure digest gives the
 * range and how many readings were over threshold; issued medicines name the items). Payloads are read defensively: they
 * come from the read model as JSON, and an odd payload must not hide a digest.
 */
export const ROUTINE_TYPES = [
  'CareVisitRecorded',
  'HomeReadingRecorded',
  'WearableSummaryRecorded',
  'MedicationIssued',
  'DistrictNursingVisitRecorded',
] as const satisfies readonly EntryTypeName[];
export type RoutineType = (typeof ROUTINE_TYPES)[number];

export const isRoutineType = (entryType: string): entryType is RoutineType =>
  (ROUTINE_TYPES as readonly string[]).includes(entryType);

/** What a summariser reads of an entry. */
export interface RoutineEntry {
  occurredAt: Date;
  payload: Record<string, unknown>;
}

export interface RoutineSummariser {
  /** Plural noun for the count: "12 care visits". */
  label: string;
  /** What the entries amount to, without count or dates. */
  summarise(entries: readonly RoutineEntry[], now: Date): string;
}

/** NICE NG136: home (and ambulatory) blood pressure at or over 135/85 mmHg is raised. */
export const HOME_BP_THRESHOLD = { systolic: 135, diastolic: 85 } as const;

const recordOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
const numberOf = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** The named values of a reading or a wearable summary: `[{ name, value, unit }]`. */
function namedValues(value: unknown): Array<{ name: string; value: number; unit: string }> {
  return listOf(value).flatMap((item) => {
    const fields = recordOf(item);
    const name = textOf(fields['name']);
    const number = numberOf(fields['value']);
    return name === undefined || number === undefined
      ? []
      : [{ name: name.toLowerCase(), value: number, unit: textOf(fields['unit']) ?? '' }];
  });
}

const round = (value: number) => Math.round(value);
const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
const span = (values: readonly number[]) => {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? `${low}` : `${low}–${high}`;
};
const countOf = (count: number, one: string, many = `${one}s`) =>
  `${count} ${count === 1 ? one : many}`;

/** "120–152/70–94 mmHg, mean 138/84, 6 of 20 at or over 135/85"; other measurements by name. */
function summariseHomeReadings(entries: readonly RoutineEntry[]): string {
  const pressures: Array<{ systolic: number; diastolic: number }> = [];
  const others = new Map<string, { values: number[]; unit: string }>();
  for (const entry of entries) {
    const measurement = recordOf(entry.payload['measurement']);
    const readings = namedValues(entry.payload['readings']);
    const systolic = readings.find((reading) => reading.name === 'systolic')?.value;
    const diastolic = readings.find((reading) => reading.name === 'diastolic')?.value;
    // Blood pressure is whatever reading carries a systolic and a diastolic value.
    if (systolic !== undefined && diastolic !== undefined) {
      pressures.push({ systolic, diastolic });
      continue;
    }
    for (const reading of readings) {
      const name = textOf(measurement['display'])?.toLowerCase() ?? reading.name;
      const key = readings.length === 1 ? name : `${name} ${reading.name}`;
      const seen = others.get(key) ?? { values: [], unit: reading.unit };
      seen.values.push(reading.value);
      others.set(key, seen);
    }
  }
  const parts: string[] = [];
  if (pressures.length > 0) {
    const systolic = pressures.map((reading) => reading.systolic);
    const diastolic = pressures.map((reading) => reading.diastolic);
    const over = pressures.filter(
      (reading) =>
        reading.systolic >= HOME_BP_THRESHOLD.systolic ||
        reading.diastolic >= HOME_BP_THRESHOLD.diastolic,
    ).length;
    parts.push(
      `BP ${span(systolic)}/${span(diastolic)} mmHg, mean ${round(mean(systolic))}/${round(mean(diastolic))}, ` +
        `${over} of ${pressures.length} at or over ${HOME_BP_THRESHOLD.systolic}/${HOME_BP_THRESHOLD.diastolic}`,
    );
  }
  for (const [name, { values, unit }] of others)
    parts.push(`${name} ${span(values)}${unit ? ` ${unit}` : ''}`);
  return parts.length > 0 ? parts.join('; ') : 'no readable values';
}

/** The items issued, most often first: "bisoprolol 2.5mg tablets ×3, metformin 500mg tablets ×3". */
function summariseIssues(entries: readonly RoutineEntry[]): string {
  const items = new Map<string, number>();
  for (const entry of entries) {
    const name = textOf(recordOf(entry.payload['medication'])['display']) ?? 'unnamed item';
    items.set(name, (items.get(name) ?? 0) + 1);
  }
  return [...items.entries()]
    .sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b))
    .map(([name, count]) => (count > 1 ? `${name} ×${count}` : name))
    .join(', ');
}

/**
 * Concerns and missed visits. A visit in which no task was completed is counted as missed:
 * the schema has no missed flag, and a visit with nothing done is care not given.
 */
function summariseCareVisits(entries: readonly RoutineEntry[], now: Date): string {
  const concerns = entries.filter((entry) => entry.payload['concernsRaised'] === true);
  const missed = entries.filter((entry) => {
    const tasks = entry.payload['tasksCompleted'];
    return Array.isArray(tasks) && tasks.length === 0;
  });
  const days = (list: readonly RoutineEntry[]) =>
    list
      .slice(0, 3)
      .map((entry) => dayOf(entry.occurredAt, now))
      .join(', ') + (list.length > 3 ? '…' : '');
  return [
    concerns.length === 0
      ? 'no concerns'
      : `${countOf(concerns.length, 'concern')} (${days(concerns)})`,
    missed.length === 0 ? 'none missed' : `${missed.length} missed (${days(missed)})`,
  ].join(', ');
}

/** Each metric from the first summary to the last: "resting heart rate 64→71 /min (rising)". */
function summariseWearables(entries: readonly RoutineEntry[]): string {
  const chronological = [...entries].sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime(),
  );
  const series = new Map<string, { values: number[]; unit: string }>();
  for (const entry of chronological)
    for (const metric of namedValues(entry.payload['metrics'])) {
      const seen = series.get(metric.name) ?? { values: [], unit: metric.unit };
      seen.values.push(metric.value);
      series.set(metric.name, seen);
    }
  const trends = [...series.entries()].map(([name, { values, unit }]) => {
    const first = values[0] ?? 0;
    const last = values.at(-1) ?? 0;
    // Within 5 % either way is steady: day-to-day wear varies more than that.
    const change = first === 0 ? 0 : (last - first) / Math.abs(first);
    const trend = change > 0.05 ? 'rising' : change < -0.05 ? 'falling' : 'steady';
    return `${name} ${first}→${last}${unit ? ` ${unit}` : ''} (${trend})`;
  });
  return trends.length > 0 ? trends.join('; ') : 'no readable metrics';
}

/** Unplanned visits, and what was done most often: "2 unplanned; catheter care ×6, bloods taken ×2". */
function summariseDistrictNursingVisits(entries: readonly RoutineEntry[]): string {
  const unplanned = entries.filter((entry) => entry.payload['visitType'] === 'unplanned').length;
  const done = new Map<string, number>();
  for (const entry of entries)
    for (const item of listOf(entry.payload['interventions'])) {
      const name = textOf(item)?.toLowerCase();
      if (name !== undefined) done.set(name, (done.get(name) ?? 0) + 1);
    }
  const most = [...done.entries()]
    .sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b))
    .slice(0, 3)
    .map(([name, count]) => (count > 1 ? `${name} ×${count}` : name));
  return [unplanned === 0 ? 'none unplanned' : `${unplanned} unplanned`, ...most].join(', ');
}

export const ROUTINE_SUMMARISERS: Record<RoutineType, RoutineSummariser> = {
  CareVisitRecorded: { label: 'care visits', summarise: summariseCareVisits },
  HomeReadingRecorded: { label: 'home readings', summarise: summariseHomeReadings },
  WearableSummaryRecorded: { label: 'wearable summaries', summarise: summariseWearables },
  MedicationIssued: { label: 'medication issues', summarise: summariseIssues },
  DistrictNursingVisitRecorded: {
    label: 'district nursing visits',
    summarise: summariseDistrictNursingVisits,
  },
};
