import { loadEventCodec, validateRecordEntry } from '@carelog/codec';
import { generateEvents, heavyPatientNhsNumber } from './generator';

const take = (seed: number, totalEvents: number, heavyPatientEntries = 0) => [
  ...generateEvents({ seed, totalEvents, heavyPatientEntries }),
];

describe('the benchmark data generator', () => {
  it('gives the same events for the same seed, and others for another', () => {
    const first = take(7, 2000, 300);
    expect(take(7, 2000, 300)).toEqual(first);
    expect(take(8, 2000, 300).map((g) => g.event.eventId)).not.toEqual(
      first.map((g) => g.event.eventId),
    );
  });

  it('makes valid events the real codec encodes, with the heavy patient first', () => {
    const codec = loadEventCodec();
    const events = take(1, 3000, 500);
    expect(events).toHaveLength(3000);
    for (const { event } of events) {
      expect(() => validateRecordEntry(event)).not.toThrow();
      expect(codec.decode(codec.encode(event)).event.eventId).toBe(event.eventId);
    }
    const heavy = events.filter((g) => g.event.patient.nhsNumber === heavyPatientNhsNumber());
    expect(heavy).toHaveLength(500);
    expect(new Set(events.map((g) => g.event.eventId)).size).toBe(3000);
  });

  it('mixes mostly routine entries with a few sensitive ones and corrections', () => {
    const events = take(3, 20_000);
    const share = (test: (g: (typeof events)[number]) => boolean) =>
      events.filter(test).length / events.length;
    expect(share((g) => g.event.type === 'CareVisitRecorded')).toBeGreaterThan(0.3);
    expect(share((g) => g.event.type === 'ConsultationRecorded')).toBeLessThan(0.2);
    const sensitive = share((g) => g.event.sensitivity.length > 0);
    expect(sensitive).toBeGreaterThan(0);
    expect(sensitive).toBeLessThan(0.02);
    const corrections = share(
      (g) => g.event.supersedes !== null || g.event.type === 'EntryEnteredInError',
    );
    expect(corrections).toBeGreaterThan(0);
    expect(corrections).toBeLessThan(0.02);
    expect(new Set(events.map((g) => g.domain)).size).toBe(5);
  });
});
