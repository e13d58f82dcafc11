import { loadEventCodec } from '@carelog/codec';
import { testNhsNumber } from '@carelog/testing';
import { ARCHETYPES, generateRecord, RECORD_END } from './record-generator';

const codec = loadEventCodec();

describe('the generated records for measuring journal views', () => {
  it.each(ARCHETYPES)(
    'given the %s archetype, when every entry is encoded with the schemas of today, then each is a valid entry',
    (archetype) => {
      for (const entry of generateRecord(archetype, 15)) {
        const event = codec.fromJson({
          eventId: entry.eventId,
          type: entry.entryType,
          schemaVersion: codec.catalogue.current(entry.entryType)?.version ?? 0,
          patient: { nhsNumber: testNhsNumber(15) },
          occurredAt: entry.occurredAt,
          recordedAt: RECORD_END,
          source: {
            service: 'journal-measure',
            organisation: entry.source.organisation,
            system: 'generator',
          },
          author: {
            userId: 'u',
            role: 'gp',
            profession: 'gp',
            organisation: entry.source.organisation,
          },
          sensitivity: [...entry.sensitivity],
          attention: entry.attention,
          correlationId: entry.eventId,
          causationId: null,
          supersedes: null,
          payload: entry.payload,
        });
        const problem = (() => {
          try {
            codec.encode(event);
            return null;
          } catch (error) {
            return `${entry.entryType}: ${error instanceof Error ? error.message : String(error)}`;
          }
        })();
        expect(problem).toBeNull();
      }
    },
  );

  it('given a seed, when a record is generated twice, then it is the same; another seed gives another', () => {
    const ids = (seed: number) =>
      generateRecord('mental-health-crisis', seed).map((entry) => entry.eventId);
    expect(ids(15)).toEqual(ids(15));
    expect(ids(16)).not.toEqual(ids(15));
  });

  it('given the frail elderly archetype, when generated, then it has a care visit a day, about a hundred home blood pressures, monthly repeat issues, flagged entries and a safeguarding concern', () => {
    const record = generateRecord('frail-elderly-with-carers', 15);
    const count = (type: string) => record.filter((entry) => entry.entryType === type).length;
    expect(count('CareVisitRecorded')).toBe(540);
    expect(count('HomeReadingRecorded')).toBe(100);
    expect(count('MedicationIssued')).toBe(18 * 7);
    expect(record.filter((entry) => entry.attention !== null).length).toBeGreaterThanOrEqual(6);
    expect(count('SafeguardingConcernRaised')).toBe(1);
  });
});
