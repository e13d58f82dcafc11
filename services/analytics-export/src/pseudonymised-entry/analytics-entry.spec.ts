import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  loadAnalyticsCodec,
  loadEventCodec,
  type RecordEntryEvent,
  type UncheckedRecordEntryEvent,
} from '@carelog/codec';
import {
  ENTRY_TYPES,
  entryTypeRule,
  SENSITIVITY_CATEGORIES,
  SOURCE_DOMAINS,
  type SourceDomain,
} from '@carelog/domain';
import { exampleEvent, testNhsNumber, type ExampleEventOptions } from '@carelog/testing';
import { toAnalyticsCandidate, type FeedSettings } from './analytics-entry';
import { coarsenDate, DATE_PRECISIONS, type DatePrecision } from './coarse-dates';
import { decideExport, NO_OPT_OUTS, type OptOuts } from './export-decision';
import { CLOSED_LISTS } from './payload-vocabularies';
import { PseudonymKey } from './pseudonym-key';

const codec = loadEventCodec();
const analyticsCodec = loadAnalyticsCodec();
const DAY_MS = 24 * 60 * 60 * 1000;
const KEY = new PseudonymKey('unit-test-key-0123456789abcdef0123456789');
const OTHER_KEY = new PseudonymKey('another-consumer-key-fedcba9876543210fedcba');
const monthly: FeedSettings = { key: KEY, precision: 'month' };
const PATIENT = '9434765919';

/**
 * An event through the real codec as the log may hold it: checked against its Avro schema
 * only, since entries written before the producers' boundary rules (or by another writer) can
 * hold any string the schema allows, and the feed must still be safe.
 */
function throughLog(event: UncheckedRecordEntryEvent): RecordEntryEvent {
  const schema = codec.catalogue.current(event.type);
  if (!schema) throw new Error(`no schema for ${event.type}`);
  return codec.decode(codec.encodeWith(schema, event)).event;
}

/** A valid event of `type` as the export reads it: encoded and decoded by the real codec. */
function readEvent(type: string, options: Partial<ExampleEventOptions> = {}): RecordEntryEvent {
  return throughLog(exampleEvent(type, { nhsNumber: PATIENT, ...options }));
}

const settingOf = (type: string): SourceDomain => {
  const domain = entryTypeRule(type)?.domain;
  return domain === undefined || domain === 'any' ? 'gp' : domain;
};

function shape(event: RecordEntryEvent, settings = monthly, setting = settingOf(event.type)) {
  const schema = codec.catalogue.current(event.type);
  if (!schema) throw new Error(`no schema for ${event.type}`);
  return toAnalyticsCandidate({ event, setting, schema }, settings);
}

function exported(event: RecordEntryEvent, settings = monthly) {
  const shaped = shape(event, settings);
  if (!('candidate' in shaped)) throw new Error(`${event.type} was excluded: ${shaped.excluded}`);
  return shaped.candidate.entry;
}

describe('the analytics entry (pure transform)', () => {
  it('replaces the NHS number with the keyed pseudonym and keeps the envelope facts analysts need', () => {
    const event = readEvent('AllergyRecorded', { organisation: 'A81001' });
    const entry = exported(event);
    expect(entry).toMatchObject({
      patientPseudonym: KEY.patient(PATIENT),
      analyticsId: KEY.entry(event.eventId),
      keyId: KEY.keyId,
      entryType: 'AllergyRecorded',
      setting: 'gp',
      organisation: 'A81001',
      authorRole: 'gp',
      authorProfession: 'gp',
      datePrecision: 'month',
    });
    expect(entry.patientPseudonym).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(entry)).not.toContain(PATIENT);
    expect(JSON.stringify(entry)).not.toContain('test-author');
    expect(JSON.stringify(entry)).not.toContain(event.eventId);
  });

  it('keeps codes of known systems without their display text, and drops free text', () => {
    const event = readEvent('ConsultationRecorded', {
      payload: {
        narrative: 'Seen with her husband Mr Smith at 12 High St, LS1 4AP.',
        codedItems: [
          { system: 'http://snomed.info/sct', code: '49727002', display: 'Cough' },
          { system: 'urn:local', code: 'ABC', display: 'local code' },
          { system: 'http://snomed.info/sct', code: 'call Jo', display: 'not a code' },
        ],
        consultationMedium: 'telephone',
      },
    });
    expect(exported(event).facts).toEqual([
      {
        field: 'codedItems[0]',
        coded: { system: 'http://snomed.info/sct', code: '49727002' },
        number: null,
        flag: null,
        date: null,
        term: null,
        reference: null,
      },
      expect.objectContaining({ field: 'consultationMedium', term: 'telephone' }),
    ]);
  });

  it('keeps a categorical string only when it is exactly a value of its closed list', () => {
    const allergy = (severity: string) =>
      readEvent('AllergyRecorded', {
        payload: {
          substance: { system: 'http://snomed.info/sct', code: '91936005', display: 'Penicillin' },
          reaction: null,
          severity,
          certainty: 'confirmed',
          narrative: null,
        },
      });
    expect(exported(allergy('severe')).facts).toContainEqual(
      expect.objectContaining({ field: 'severity', term: 'severe' }),
    );
    const written = exported(allergy('severe, per her daughter Jane Doe')).facts;
    expect(written.map((fact) => fact.field)).not.toContain('severity');
    expect(JSON.stringify(written)).not.toContain('Jane');
  });

  it('coarsens date strings the schema documents as dates, and drops malformed ones', () => {
    const problem = (onsetDate: string) =>
      readEvent('ProblemRecorded', {
        payload: {
          problem: { system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' },
          status: 'active',
          onsetDate,
          significance: 'major',
          narrative: null,
        },
      });
    expect(exported(problem('2026-03-17')).facts).toContainEqual(
      expect.objectContaining({ field: 'onsetDate', date: Date.UTC(2026, 2, 1) / DAY_MS }),
    );
    for (const malformed of ['2026-13-45', 'March 2026', '2026-03-17 per Mr Smith'])
      expect(exported(problem(malformed)).facts.map((fact) => fact.field)).not.toContain(
        'onsetDate',
      );
  });

  it("pseudonymises a baby's NHS number with the same key, and coarsens the birth time", () => {
    const baby = testNhsNumber(4242);
    const event = readEvent('BirthRecorded', {
      payload: {
        birthTime: new Date('2026-04-20T03:12:00.000Z'),
        deliveryMethod: { system: 'http://snomed.info/sct', code: '48782003', display: 'Normal' },
        babyNhsNumber: baby,
        birthWeightGrams: 3420,
        gestationWeeks: 40,
      },
    });
    const facts = exported(event).facts;
    expect(facts).toContainEqual(
      expect.objectContaining({ field: 'babyNhsNumber', reference: KEY.patient(baby) }),
    );
    expect(facts).toContainEqual(
      expect.objectContaining({ field: 'birthTime', date: Date.UTC(2026, 3, 1) / DAY_MS }),
    );
    expect(facts).toContainEqual(
      expect.objectContaining({ field: 'birthWeightGrams', number: 3420 }),
    );
    expect(JSON.stringify(facts)).not.toContain(baby);
  });

  it('pseudonymises the entry a correction refers to, and keeps its entry type as a checked term', () => {
    const target = '6b1f7c2e-9a3d-5e41-8c7b-2d4e6f8a0b1c';
    const event = readEvent('EntryEnteredInError', {
      payload: {
        entryEventId: target,
        entryType: 'ConsultationRecorded',
        reason: 'Wrong patient: J Smith',
      },
    });
    expect(exported(event).facts).toEqual([
      expect.objectContaining({ field: 'entryEventId', reference: KEY.entry(target) }),
      expect.objectContaining({ field: 'entryType', term: 'ConsultationRecorded' }),
    ]);
  });

  it('points an amendment at the pseudonym of the entry it amends, without the reason', () => {
    const original = '1b1f7c2e-9a3d-5e41-8c7b-2d4e6f8a0b1c';
    const event = readEvent('AllergyRecorded', {
      supersedes: { eventId: original, reason: 'Typo; patient Ada Lovelace' },
    });
    const entry = exported(event);
    expect(entry.supersedes).toBe(KEY.entry(original));
    expect(JSON.stringify(entry)).not.toContain('Lovelace');
  });

  it.each(['sexual-health', 'fertility', 'gender-identity', 'termination'])(
    'leaves out entries of the legally protected category %s',
    (category) => {
      expect(shape(readEvent('ConsultationRecorded', { sensitivity: [category] }))).toEqual({
        excluded: 'legally-protected-category',
      });
    },
  );

  it('leaves out patient-sealed entries and consent decisions; keeps safeguarding as a category', () => {
    expect(shape(readEvent('ConsultationRecorded', { sensitivity: ['patient-sealed'] }))).toEqual({
      excluded: 'patient-sealed',
    });
    expect(shape(readEvent('OptOutRecorded'))).toEqual({ excluded: 'consent-decision' });
    expect(shape(readEvent('EntrySealed'))).toEqual({ excluded: 'consent-decision' });
    expect(
      exported(readEvent('SafeguardingConcernRaised', { sensitivity: ['safeguarding'] }))
        .sensitivity,
    ).toEqual(['safeguarding']);
  });

  it.each<[DatePrecision, string]>([
    ['day', '2026-11-25'],
    ['week', '2026-11-23'],
    ['month', '2026-11-01'],
  ])('coarsens dates to the %s: 2026-11-25T23:59 becomes %s', (precision, expected) => {
    const day = coarsenDate(new Date('2026-11-25T23:59:59.999Z'), precision);
    expect(new Date(day * DAY_MS).toISOString().slice(0, 10)).toBe(expected);
  });

  it('coarsens the week across a year end to its Monday', () => {
    const day = coarsenDate(new Date('2027-01-01T10:00:00.000Z'), 'week');
    expect(new Date(day * DAY_MS).toISOString().slice(0, 10)).toBe('2026-12-28');
  });

  it('gives every example entry type an output the analytics schema accepts', () => {
    for (const rule of ENTRY_TYPES) {
      const shaped = shape(readEvent(rule.type));
      if ('candidate' in shaped)
        expect(() =>
          analyticsCodec.encode('AnalyticsRecordEntry', shaped.candidate.entry),
        ).not.toThrow();
    }
  });

  it('derives pseudonyms exactly as the README tells a consumer to check them', () => {
    const secret = 'unit-test-key-0123456789abcdef0123456789';
    const hmac = (message: string) => createHmac('sha256', secret).update(message).digest('hex');
    expect(KEY.patient(PATIENT)).toBe(hmac(PATIENT));
    expect(KEY.keyId).toBe(hmac('carelog-analytics-key-id').slice(0, 16));
    expect(KEY.entry('6B1F7C2E-9A3D-5E41-8C7B-2D4E6F8A0B1C')).toBe(
      hmac('entry:6b1f7c2e-9a3d-5e41-8c7b-2d4e6f8a0b1c'),
    );
  });

  it('refuses a short key, and never prints the key', () => {
    expect(() => new PseudonymKey('too-short')).toThrow(
      expect.objectContaining({ code: 'weak-pseudonym-key' }),
    );
    expect(JSON.stringify({ key: KEY })).not.toContain('unit-test-key');
  });
});

describe('the export decision (opt-outs)', () => {
  const gpEntry = readEvent('ConsultationRecorded');
  const socialEntry = readEvent('CareVisitRecorded');
  const decide = (event: RecordEntryEvent, optOuts: OptOuts) => {
    const schema = codec.catalogue.current(event.type);
    if (!schema) throw new Error('no schema');
    return decideExport({ event, setting: settingOf(event.type), schema }, optOuts, monthly);
  };

  it('leaves out every entry of a patient with a National Data Opt-out', () => {
    const optOuts = { nationalDataOptOut: true, type1: false };
    expect(decide(gpEntry, optOuts)).toEqual({ excluded: 'national-data-opt-out' });
    expect(decide(socialEntry, optOuts)).toEqual({ excluded: 'national-data-opt-out' });
  });

  it('leaves out only the GP entries of a patient with a Type 1 opt-out', () => {
    const optOuts = { nationalDataOptOut: false, type1: true };
    expect(decide(gpEntry, optOuts)).toEqual({ excluded: 'type-1-opt-out' });
    expect(decide(socialEntry, optOuts)).toHaveProperty('candidate');
  });

  it('exports the entries of a patient without opt-outs', () => {
    expect(decide(gpEntry, NO_OPT_OUTS)).toHaveProperty('candidate');
  });
});

describe('property: nothing identifying, nothing opted out, reaches the analytics topic', () => {
  const NAMES = ['Ada Lovelace', 'Mr John Smith', 'Priya Patel', 'Siobhan O’Neill'];
  const POSTCODES = ['LS1 4AP', 'SW1A 1AA', 'M60 1QD', 'EH99 1SP'];
  const MARKER = 'FREETEXT';
  const FROM = Date.UTC(2000, 0, 1);
  const TO = Date.UTC(2030, 11, 31);
  const precise = fc.integer({ min: FROM, max: TO }).map((ms) => new Date(ms));
  const forms = (nhs: string): string[] => [
    nhs,
    `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`,
    `${nhs.slice(0, 3)}-${nhs.slice(3, 6)}-${nhs.slice(6)}`,
  ];
  // Entry types whose examples exist; consent decisions are in, to show they never pass.
  const types = ENTRY_TYPES.map((rule) => rule.type);

  const freeText = (nhsNumbers: string[]) =>
    fc
      .array(
        fc.oneof(
          fc.constantFrom(...NAMES),
          fc.constantFrom(...POSTCODES),
          fc.constantFrom(...nhsNumbers.flatMap(forms)),
          precise.map((date) => date.toISOString()),
          fc.string({ maxLength: 20 }),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((parts) => `${parts.join(' ')} ${MARKER}`);

  /** The example payload with every string, date and measured value replaced adversarially. */
  function hostilePayload(
    value: unknown,
    key: string,
    g: fc.GeneratorValue,
    nhsNumbers: string[],
    baby: string,
  ): unknown {
    if (value instanceof Date) return g(() => precise);
    if (Array.isArray(value))
      return value.map((item) => hostilePayload(item, key, g, nhsNumbers, baby));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([inner, innerValue]) => [
          inner,
          hostilePayload(innerValue, inner, g, nhsNumbers, baby),
        ]),
      );
    }
    if (/NhsNumber$/.test(key)) return g(() => fc.oneof(fc.constant(baby), freeText(nhsNumbers)));
    if (key === 'code' && typeof value === 'string')
      return g(() => fc.constantFrom(value, nhsNumbers[0] ?? value, `${nhsNumbers[0] ?? ''}1`));
    if (key === 'value' && typeof value === 'number')
      return g(() => fc.constantFrom(value, Number(nhsNumbers[0])));
    if (typeof value === 'string')
      return g(() => fc.oneof(freeText(nhsNumbers), fc.constant(value)));
    return value;
  }

  /** Every date the feed event carries: each must be the first day of its period. */
  const datesOf = (entry: {
    occurredIn: number;
    recordedIn: number;
    facts: Array<{ date: number | null }>;
  }) => [
    entry.occurredIn,
    entry.recordedIn,
    ...entry.facts.flatMap((fact) => (fact.date === null ? [] : [fact.date])),
  ];

  it('holds for arbitrary entries, free text, dates and opt-out states', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.integer({ min: 0, max: 9_999_999 }),
        fc.integer({ min: 0, max: 9_999_999 }),
        precise,
        fc.integer({ min: 0, max: 400 * DAY_MS }),
        fc.constantFrom(...DATE_PRECISIONS),
        fc.subarray([...SENSITIVITY_CATEGORIES]),
        fc.record({ nationalDataOptOut: fc.boolean(), type1: fc.boolean() }),
        fc.constantFrom(...SOURCE_DOMAINS),
        fc.string({ minLength: 3, maxLength: 12 }).map((id) => `user-${id}-${MARKER}`),
        fc.gen(),
        (
          type,
          seed,
          babySeed,
          recordedAt,
          clinicalLag,
          precision,
          sensitivity,
          optOuts,
          anyDomain,
          userId,
          g,
        ) => {
          const nhs = testNhsNumber(seed);
          const baby = testNhsNumber(babySeed + 10_000_000);
          const base = exampleEvent(type, {
            nhsNumber: nhs,
            recordedAt,
            occurredAt: new Date(recordedAt.getTime() - clinicalLag),
            sensitivity,
          });
          const hostile = {
            ...base,
            author: { ...base.author, userId },
            payload: hostilePayload(base.payload, 'payload', g, [nhs, baby], baby) as Record<
              string,
              unknown
            >,
          };
          const event = throughLog(hostile);
          const rule = entryTypeRule(type);
          const setting = rule?.domain === 'any' || !rule ? anyDomain : rule.domain;
          const schema = codec.catalogue.current(type);
          if (!schema) throw new Error(`no schema for ${type}`);
          const settings = { key: KEY, precision };
          const decision = decideExport({ event, setting, schema }, optOuts, settings);

          if (optOuts.nationalDataOptOut || (optOuts.type1 && setting === 'gp')) {
            expect(decision).not.toHaveProperty('candidate');
          }
          if (!('candidate' in decision)) return;

          const bytes = analyticsCodec.encode('AnalyticsRecordEntry', decision.candidate.entry);
          const text = bytes.toString('latin1');
          for (const form of [...forms(nhs), ...forms(baby)]) expect(text).not.toContain(form);
          expect(text).not.toContain(MARKER);
          for (const identifying of [
            ...NAMES,
            ...POSTCODES,
            userId,
            event.eventId,
            event.correlationId,
          ])
            expect(text).not.toContain(identifying);
          expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);

          const decoded = analyticsCodec.decode(bytes).event as typeof decision.candidate.entry;
          for (const day of datesOf(decoded))
            expect(coarsenDate(new Date(day * DAY_MS), precision)).toBe(day);
          const numbers = decoded.facts.flatMap((fact) =>
            fact.number === null ? [] : [fact.number],
          );
          expect(numbers).not.toContain(Number(nhs));
          expect(numbers).not.toContain(Number(baby));
          expect(decoded.patientPseudonym).toBe(KEY.patient(nhs));
          // Whatever text remains is a listed term, a code or a pseudonym: never free text.
          for (const fact of decoded.facts) {
            if (fact.term !== null)
              expect(CLOSED_LISTS[`${type}.${fact.field}`]).toContain(fact.term);
            if (fact.reference !== null) expect(fact.reference).toMatch(/^[0-9a-f]{64}$/);
            if (fact.coded !== null) expect(fact.coded.code).toMatch(/^\d{6,18}$/);
          }
        },
      ),
      // Shrinking through generated payloads takes minutes; the seed and path replay a failure.
      { numRuns: 400, endOnFailure: true },
    );
  });

  it('gives a patient one pseudonym under one key, and unlinkable ones under two', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9_999_999 }),
        fc.integer({ min: 0, max: 9_999_999 }),
        (a, b) => {
          const first = testNhsNumber(a);
          const second = testNhsNumber(b);
          expect(KEY.patient(first)).toBe(KEY.patient(first));
          expect(KEY.patient(first)).not.toBe(OTHER_KEY.patient(first));
          if (first !== second) expect(KEY.patient(first)).not.toBe(KEY.patient(second));
          const one = exported(readEvent('ConsultationRecorded', { nhsNumber: first }));
          const other = exported(readEvent('ConsultationRecorded', { nhsNumber: first }), {
            key: OTHER_KEY,
            precision: 'month',
          });
          expect(one.patientPseudonym).not.toBe(other.patientPseudonym);
          expect(one.keyId).not.toBe(other.keyId);
        },
      ),
      { numRuns: 100 },
    );
  });
});
