import {
  bloodPressureOf,
  evaluateHomeBloodPressure,
  homeBpRuns,
  HOME_BP_RULES,
  type HomeBpReading,
} from './home-reading-rules';

/** Twice a day (08:00 and 20:00 UTC) for `days` days from 13 May 2026, each at `bp`. */
function run(days: number, bp: (day: number) => [number, number], prefix = 'r'): HomeBpReading[] {
  const readings: HomeBpReading[] = [];
  for (let day = 0; day < days; day++)
    for (const hour of [8, 20]) {
      const [systolic, diastolic] = bp(day);
      readings.push({
        eventId: `${prefix}-${day}-${hour}`,
        occurredAt: new Date(Date.UTC(2026, 4, 13 + day, hour)),
        systolic,
        diastolic,
      });
    }
  return readings;
}

const given = (readings: HomeBpReading[]) => ({
  whenEvaluated: () => evaluateHomeBloodPressure(readings),
});

describe('home blood-pressure rules (NICE NG136)', () => {
  it('given seven days of readings averaging 142/88, then one routine task linking the readings after the first day', () => {
    const flags = given(run(7, () => [142, 88])).whenEvaluated();
    expect(flags).toHaveLength(1);
    const [flag] = flags;
    expect(flag?.rule).toBe('home-bp-run-average');
    expect(flag?.urgency).toBe('routine');
    expect(flag?.readings).toHaveLength(12);
    expect(flag?.readings).not.toContain('r-0-8');
    expect(flag?.summary).toMatchObject({ readingCount: 12, systolic: 142, diastolic: 88 });
    expect(flag?.reason).toContain('142/88');
    expect(flag?.reason).toContain('NICE NG136');
  });

  it('given a high first day and normal readings after it, then no task: the first day is discarded', () => {
    const flags = given(run(7, (day) => (day === 0 ? [170, 100] : [128, 80]))).whenEvaluated();
    expect(flags).toEqual([]);
  });

  it('given only the diastolic mean at or over 85, then a routine task', () => {
    expect(
      given(run(5, () => [128, 86]))
        .whenEvaluated()
        .map((flag) => flag.rule),
    ).toEqual(['home-bp-run-average']);
  });

  it('given fewer than four days of readings, then no routine task yet', () => {
    expect(given(run(3, () => [150, 95])).whenEvaluated()).toEqual([]);
  });

  it('given readings averaging just under 135/85, then no task', () => {
    expect(given(run(7, () => [134, 84])).whenEvaluated()).toEqual([]);
  });

  it('given one reading of 188/104 among normal ones, then one urgent same-day task for that reading', () => {
    const readings = run(2, () => [126, 78]);
    readings.push({
      eventId: 'severe',
      occurredAt: new Date('2026-05-20T07:30:00Z'),
      systolic: 188,
      diastolic: 104,
    });
    const flags = given(readings).whenEvaluated();
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      rule: 'home-bp-severe-reading',
      urgency: 'urgent',
      key: 'home-bp-severe-reading:severe',
      readings: ['severe'],
    });
    expect(flags[0]?.reason).toContain('same-day');
  });

  it('given a diastolic of exactly 120, then an urgent task (at or over)', () => {
    const flags = given([
      { eventId: 'd', occurredAt: new Date('2026-05-20T07:30:00Z'), systolic: 150, diastolic: 120 },
    ]).whenEvaluated();
    expect(flags.map((flag) => flag.urgency)).toEqual(['urgent']);
  });

  it('given the same readings in another order or evaluated again with a later reading in the run, then the same keys', () => {
    const readings = run(7, () => [142, 88]);
    const first = evaluateHomeBloodPressure(readings).map((flag) => flag.key);
    const shuffled = evaluateHomeBloodPressure([...readings].reverse()).map((flag) => flag.key);
    const grown = evaluateHomeBloodPressure(readings.slice(0, 10)).map((flag) => flag.key);
    expect(shuffled).toEqual(first);
    expect(grown).toEqual(first);
  });

  it('given two home-monitoring weeks a month apart, then two runs and a task for each high one', () => {
    const may = run(7, () => [142, 88], 'may');
    const june = run(7, () => [150, 92], 'june').map((reading) => ({
      ...reading,
      occurredAt: new Date(reading.occurredAt.getTime() + 30 * 24 * 3600 * 1000),
    }));
    expect(homeBpRuns([...may, ...june])).toHaveLength(2);
    const keys = evaluateHomeBloodPressure([...may, ...june]).map((flag) => flag.key);
    expect(keys).toEqual(['home-bp-run-average:may-0-8', 'home-bp-run-average:june-0-8']);
  });

  it('reads a blood pressure from a HomeReadingRecorded payload and nothing from other readings', () => {
    expect(
      bloodPressureOf({
        readings: [
          { name: 'Systolic', value: 148, unit: 'mm[Hg]' },
          { name: 'diastolic', value: 92, unit: 'mm[Hg]' },
        ],
      }),
    ).toEqual({ systolic: 148, diastolic: 92 });
    expect(bloodPressureOf({ readings: [{ name: 'heart rate', value: 70 }] })).toBeUndefined();
    expect(bloodPressureOf({})).toBeUndefined();
  });

  it('declares its thresholds as NG136 gives them', () => {
    expect(HOME_BP_RULES.run).toMatchObject({ systolic: 135, diastolic: 85 });
    expect(HOME_BP_RULES.severe).toMatchObject({ systolic: 180, diastolic: 120 });
  });
});
