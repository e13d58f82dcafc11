/**
 * The calendar periods a digest line may cover, and how the period is chosen from how dense
 * the routine entries are (docs/architecture.md, "Journal views"). Calendar periods
 * are in UTC, like every date the journal shows.
 */
export const DIGEST_PERIODS = ['week', 'month', 'quarter', 'half-year', 'year'] as const;
export type DigestPeriod = (typeof DIGEST_PERIODS)[number];

/**
 * A digest line should stand for at least this many entries on average: below it, a longer
 * period is taken. With it, care visits several times a day are digested by the week, once a
 * day by the month, monthly repeat issues and weekly wearable summaries by the quarter.
 */
export const ENTRIES_PER_DIGEST_LINE = 12;

const ISO_DURATION: Record<DigestPeriod, string> = {
  week: 'P1W',
  month: 'P1M',
  quarter: 'P3M',
  'half-year': 'P6M',
  year: 'P1Y',
};

/** The start of the period that holds the date, as an ISO date ("2026-03-02"). */
export function periodStart(period: DigestPeriod, date: Date): string {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  // Called for every routine entry of a record, five times over (choosePeriod): written out
  // from the numbers, not through a Date and toISOString, within the years ISO writes as four digits.
  const first = (startMonth: number) =>
    year >= 0 && year <= 9999
      ? `${String(year).padStart(4, '0')}-${String(startMonth + 1).padStart(2, '0')}-01`
      : new Date(Date.UTC(year, startMonth, 1)).toISOString().slice(0, 10);
  switch (period) {
    case 'week': {
      // Not Date.UTC(year, …), which reads years 0 to 99 as 1900 to 1999.
      const monday = new Date(date.getTime());
      monday.setUTCHours(0, 0, 0, 0);
      monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
      return monday.toISOString().slice(0, 10);
    }
    case 'month':
      return first(month);
    case 'quarter':
      return first(month - (month % 3));
    case 'half-year':
      return first(month < 6 ? 0 : 6);
    case 'year':
      return first(0);
  }
}

/** The key of the period holding the date, as an ISO 8601 interval: "2026-03-02/P1W". */
export const periodKey = (period: DigestPeriod, date: Date): string =>
  `${periodStart(period, date)}/${ISO_DURATION[period]}`;

/**
 * Pure: the shortest period in which the non-empty periods hold, on average, at least
 * ENTRIES_PER_DIGEST_LINE entries; a year when none does. Averaging over non-empty periods
 * only keeps bursts (a week of twice-daily blood-pressure readings) in short periods.
 */
export function choosePeriod(times: readonly Date[]): DigestPeriod {
  for (const period of DIGEST_PERIODS) {
    const periods = new Set(times.map((time) => periodKey(period, time)));
    if (times.length / Math.max(periods.size, 1) >= ENTRIES_PER_DIGEST_LINE) return period;
  }
  return 'year';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const month = (date: Date) => MONTHS[date.getUTCMonth()] ?? '';

/**
 * "3–9 Mar", "28 Feb–6 Mar", "4 Mar"; the year is added when it is not the current year
 * ("3–9 Mar 2025", "28 Dec 2025–3 Jan 2026").
 */
export function dateRange(from: Date, to: Date, now: Date): string {
  const sameYear = from.getUTCFullYear() === to.getUTCFullYear();
  const year =
    sameYear && to.getUTCFullYear() === now.getUTCFullYear() ? '' : ` ${to.getUTCFullYear()}`;
  if (from.toISOString().slice(0, 10) === to.toISOString().slice(0, 10))
    return `${from.getUTCDate()} ${month(from)}${year}`;
  if (!sameYear)
    return `${from.getUTCDate()} ${month(from)} ${from.getUTCFullYear()}–${to.getUTCDate()} ${month(to)}${year}`;
  if (from.getUTCMonth() === to.getUTCMonth())
    return `${from.getUTCDate()}–${to.getUTCDate()} ${month(to)}${year}`;
  return `${from.getUTCDate()} ${month(from)}–${to.getUTCDate()} ${month(to)}${year}`;
}

/** "3 Mar", with the year when it is not the current year. */
export const dayOf = (date: Date, now: Date): string => dateRange(date, date, now);
