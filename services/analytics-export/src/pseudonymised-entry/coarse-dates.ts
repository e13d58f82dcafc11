/** How finely the feed gives dates (CARELOG_ANALYTICS_DATE_PRECISION). */
export const DATE_PRECISIONS = ['day', 'week', 'month'] as const;
export type DatePrecision = (typeof DATE_PRECISIONS)[number];

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole UTC days since 1970-01-01 (the Avro `date` logical type). */
export const utcDay = (time: Date): number => Math.floor(time.getTime() / DAY_MS);

/**
 * The first day of the period `time` falls in, in UTC: the day itself, the Monday of its ISO
 * week, or the first of its month. Time of day never survives.
 */
export function coarsenDate(time: Date, precision: DatePrecision): number {
  const day = utcDay(time);
  switch (precision) {
    case 'day':
      return day;
    case 'week':
      // 1970-01-01 was a Thursday: (day + 3) mod 7 counts days since the last Monday.
      return day - ((((day + 3) % 7) + 7) % 7);
    case 'month':
      return Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), 1) / DAY_MS;
  }
}

/** An Avro `date` as YYYY-MM-DD. */
export const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
