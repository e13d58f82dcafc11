import { choosePeriod, dateRange, DIGEST_PERIODS, periodKey, periodStart } from './digest-periods';

const NOW = new Date('2026-12-02T12:00:00Z');
const days = (count: number, perDay: number, start = Date.UTC(2026, 0, 5)) =>
  Array.from(
    { length: count * perDay },
    (_, index) => new Date(start + Math.floor(index / perDay) * 86_400_000),
  );

describe('choosing the period of a digest from how dense the routine entries are', () => {
  it.each<[string, Date[], string]>([
    ['given care visits three times a day, when digested, then a week', days(70, 3), 'week'],
    ['given one care visit a day, when digested, then a month', days(180, 1), 'month'],
    [
      'given monthly repeat issues of 7 items, when digested, then a quarter',
      Array.from(
        { length: 18 * 7 },
        (_, index) => new Date(Date.UTC(2025, Math.floor(index / 7), 3)),
      ),
      'quarter',
    ],
    [
      'given a week of twice-daily home readings every few months, when digested, then a week',
      [...days(7, 2, Date.UTC(2026, 0, 5)), ...days(7, 2, Date.UTC(2026, 4, 4))],
      'week',
    ],
    [
      'given five readings in a year and a half, when digested, then a year',
      [0, 4, 8, 12, 16].map((month) => new Date(Date.UTC(2025, month, 10))),
      'year',
    ],
  ])('%s', (_case, times, period) => {
    expect(choosePeriod(times)).toBe(period);
  });

  it('given dates, when keyed by period, then the key is the ISO interval of the calendar period that holds them', () => {
    const wednesday = new Date('2026-03-04T18:00:00Z');
    expect(periodKey('week', wednesday)).toBe('2026-03-02/P1W');
    expect(periodKey('month', wednesday)).toBe('2026-03-01/P1M');
    expect(periodKey('quarter', wednesday)).toBe('2026-01-01/P3M');
    expect(periodKey('half-year', new Date('2026-08-01Z'))).toBe('2026-07-01/P6M');
    expect(periodKey('year', wednesday)).toBe('2026-01-01/P1Y');
  });

  it('given any date, when the start of its period is written out, then it is the ISO date a calendar computation gives', () => {
    const calendar = (period: string, date: Date): string => {
      const month = date.getUTCMonth();
      const startMonth = {
        month,
        quarter: month - (month % 3),
        'half-year': month < 6 ? 0 : 6,
        year: 0,
      }[period];
      const start = new Date(date.getTime());
      start.setUTCHours(0, 0, 0, 0);
      if (startMonth === undefined)
        start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7));
      else start.setUTCMonth(startMonth, 1);
      return start.toISOString().slice(0, 10);
    };
    const dates = [
      ...Array.from(
        { length: 5000 },
        (_, index) => new Date(Date.UTC(1890, 0, 1) + index * 17 * 86_400_000 + index * 3_600_000),
      ),
      new Date('0005-03-04T00:00:00Z'),
      new Date('9999-12-31T23:59:59Z'),
      new Date('+010000-01-01T00:00:00Z'),
    ];
    for (const period of DIGEST_PERIODS)
      for (const date of dates)
        expect(`${period} ${date.toISOString()}: ${periodStart(period, date)}`).toBe(
          `${period} ${date.toISOString()}: ${calendar(period, date)}`,
        );
  });
});

describe('saying when', () => {
  it.each<[string, string, string, string]>([
    ['a range this year', '2026-03-03', '2026-03-28', '3–28 Mar'],
    ['a range across months this year', '2026-02-28', '2026-03-06', '28 Feb–6 Mar'],
    ['one day this year', '2026-03-04', '2026-03-04', '4 Mar'],
    ['a range last year', '2025-03-03', '2025-03-28', '3–28 Mar 2025'],
    ['a range across the turn of the year', '2025-12-28', '2026-01-03', '28 Dec 2025–3 Jan 2026'],
  ])(
    'given %s, when written, then the year shows only when it is not this year',
    (_case, from, to, said) => {
      expect(dateRange(new Date(`${from}T09:00:00Z`), new Date(`${to}T09:00:00Z`), NOW)).toBe(said);
    },
  );
});
