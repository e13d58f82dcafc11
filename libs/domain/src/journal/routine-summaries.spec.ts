import { ROUTINE_SUMMARISERS, type RoutineEntry } from './routine-summaries';

const NOW = new Date('2026-12-02T12:00:00Z');
const at = (day: number, payload: Record<string, unknown>): RoutineEntry => ({
  occurredAt: new Date(Date.UTC(2026, 2, day, 9)),
  payload,
});
const bp = (day: number, systolic: number, diastolic: number) =>
  at(day, {
    measurement: { system: 'http://snomed.info/sct', code: '75367002', display: 'Blood pressure' },
    readings: [
      { name: 'systolic', value: systolic, unit: 'mm[Hg]' },
      { name: 'diastolic', value: diastolic, unit: 'mm[Hg]' },
    ],
    deviceName: null,
  });

describe('what a digest says its entries amount to', () => {
  it('given home blood pressures, when summarised, then the range, the mean and how many were at or over 135/85', () => {
    const readings = [bp(1, 128, 78), bp(2, 152, 94), bp(3, 134, 86), bp(4, 130, 80)];
    expect(ROUTINE_SUMMARISERS.HomeReadingRecorded.summarise(readings, NOW)).toBe(
      'BP 128–152/78–94 mmHg, mean 136/85, 2 of 4 at or over 135/85',
    );
  });

  it('given other home readings, when summarised, then each measurement by its range', () => {
    const glucose = (day: number, value: number) =>
      at(day, {
        measurement: {
          system: 'http://snomed.info/sct',
          code: '33747003',
          display: 'Blood glucose',
        },
        readings: [{ name: 'glucose', value, unit: 'mmol/L' }],
        deviceName: null,
      });
    expect(
      ROUTINE_SUMMARISERS.HomeReadingRecorded.summarise([glucose(1, 5.1), glucose(2, 9.8)], NOW),
    ).toBe('blood glucose 5.1–9.8 mmol/L');
  });

  it('given issued medicines, when summarised, then the items, the most issued first', () => {
    const issue = (day: number, display: string) =>
      at(day, {
        medication: { system: 'dm+d', code: '1', display },
        quantity: '28',
        issueNumber: 1,
      });
    expect(
      ROUTINE_SUMMARISERS.MedicationIssued.summarise(
        [
          issue(1, 'Metformin 500mg tablets'),
          issue(1, 'Bisoprolol 2.5mg tablets'),
          issue(29, 'Metformin 500mg tablets'),
        ],
        NOW,
      ),
    ).toBe('Metformin 500mg tablets ×2, Bisoprolol 2.5mg tablets');
  });

  it('given care visits, when summarised, then the concerns and the missed visits (no task completed) with their days', () => {
    const visit = (day: number, tasks: string[], concernsRaised = false) =>
      at(day, { tasksCompleted: tasks, note: 'Settled.', concernsRaised });
    expect(
      ROUTINE_SUMMARISERS.CareVisitRecorded.summarise(
        [visit(1, ['personal care']), visit(2, [], false), visit(3, ['meal'], true)],
        NOW,
      ),
    ).toBe('1 concern (3 Mar), 1 missed (2 Mar)');
    expect(ROUTINE_SUMMARISERS.CareVisitRecorded.summarise([visit(1, ['meal'])], NOW)).toBe(
      'no concerns, none missed',
    );
  });

  it('given wearable summaries, when summarised, then each metric from first to last with its trend', () => {
    const week = (day: number, heartRate: number, steps: number) =>
      at(day, {
        metrics: [
          { name: 'resting heart rate', value: heartRate, unit: '/min' },
          { name: 'steps per day', value: steps, unit: '/d' },
        ],
      });
    expect(
      ROUTINE_SUMMARISERS.WearableSummaryRecorded.summarise(
        [week(15, 71, 3000), week(1, 64, 3050), week(8, 66, 3100)],
        NOW,
      ),
    ).toBe('resting heart rate 64→71 /min (rising); steps per day 3050→3000 /d (steady)');
  });
});

describe('district nursing visits digest', () => {
  const visit = (day: number, visitType: string, interventions: string[]): RoutineEntry => ({
    occurredAt: new Date(Date.UTC(2026, 10, day, 9)),
    payload: { visitType, interventions, note: 'Seen at home.' },
  });

  it('says how many were unplanned and what was done most often', () => {
    expect(
      ROUTINE_SUMMARISERS.DistrictNursingVisitRecorded.summarise(
        [
          visit(1, 'planned', ['catheter care', 'bloods taken']),
          visit(3, 'unplanned', ['Catheter care']),
          visit(5, 'planned', ['catheter care', 'insulin administration']),
          visit(7, 'unplanned', ['bloods taken']),
        ],
        NOW,
      ),
    ).toBe('2 unplanned, catheter care ×3, bloods taken ×2, insulin administration');
  });

  it('says none unplanned when all were planned', () => {
    expect(
      ROUTINE_SUMMARISERS.DistrictNursingVisitRecorded.summarise(
        [visit(1, 'planned', []), visit(2, 'review', [])],
        NOW,
      ),
    ).toBe('none unplanned');
  });
});
