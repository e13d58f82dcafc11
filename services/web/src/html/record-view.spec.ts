import { entryText, typeInWords, type EntryView } from './record-view';

const entry = (type: string, payload: Record<string, unknown>): EntryView => ({
  eventId: '6b1f7c2e-9a3d-4e41-8c7b-2d4e6f8a0b1c',
  type,
  setting: 'gp',
  occurredAt: '2026-05-12T09:00:00.000Z',
  recordedAt: '2026-05-12T09:00:00.000Z',
  amendedAt: null,
  versions: 1,
  status: 'current',
  author: { role: 'gp', userId: 'dr-a', organisation: 'A81001' },
  sensitivity: [],
  attention: null,
  payload,
});

describe('an entry in one line', () => {
  it('says what a coded entry is about, then its own words', () => {
    const text = entryText(
      entry('MedicationChanged', {
        medication: { display: 'Furosemide 20mg tablets' },
        reason: 'Still breathless',
      }),
    );
    expect(text).toBe('Furosemide 20mg tablets: Still breathless');
  });

  it('gives a held result only its message, never a name or value', () => {
    const held = entryText(
      entry('TestResultRecorded', {
        status: 'waiting-for-your-care-team',
        label: 'Test result',
        message: 'Test result: waiting for your care team to review it.',
      }),
    );
    expect(held).toBe('Test result: waiting for your care team to review it.');
  });

  it('reads readings, and names entry types in words', () => {
    const reading = entryText(
      entry('HomeReadingRecorded', {
        measurement: { display: 'Blood pressure' },
        readings: [
          { name: 'systolic', value: 152, unit: 'mm[Hg]' },
          { name: 'diastolic', value: 95, unit: 'mm[Hg]' },
        ],
      }),
    );
    expect(reading).toBe('Blood pressure: systolic 152 mm[Hg], diastolic 95 mm[Hg]');
    expect(typeInWords('CareVisitRecorded')).toBe('Care visit recorded');
  });
});
