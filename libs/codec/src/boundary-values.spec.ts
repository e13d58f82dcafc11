import fc from 'fast-check';
import { DomainError } from '@carelog/domain';
import { loadEventCodec, schemasDir } from './default-codec';
import { goldenEvent, readExample } from './golden-vectors';
import type { UncheckedRecordEntryEvent } from './record-entry-event';

const codec = loadEventCodec();

/** Every current entry type with a valid event built from its example. */
const valid: Array<[string, UncheckedRecordEntryEvent]> = codec.catalogue.types.flatMap((type) => {
  const current = codec.catalogue.current(type);
  const example = current && readExample(schemasDir, current);
  return current && example
    ? [[type, goldenEvent(current, example)] as [string, UncheckedRecordEntryEvent]]
    : [];
});

/** What the producer does with a body: values from JSON, then the encoder's checks. */
function refusal(event: UncheckedRecordEntryEvent): { code: string; field?: string } | undefined {
  try {
    codec.encode(codec.fromJson(event));
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { code: error.code, ...(error.field !== undefined ? { field: error.field } : {}) };
  }
}

const leaves = (value: unknown, path: string[] = []): Array<[string[], unknown]> =>
  Array.isArray(value)
    ? value.flatMap((item, index) => leaves(item, [...path, String(index)]))
    : value !== null && typeof value === 'object' && !(value instanceof Date)
      ? Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, key]))
      : [[path, value]];

function withLeaf(value: unknown, path: string[], replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value))
    return (value as unknown[]).map((item, index) =>
      String(index) === head ? withLeaf(item, rest, replacement) : item,
    );
  const record = value as Record<string, unknown>;
  return { ...record, [head]: withLeaf(record[head], rest, replacement) };
}

describe('boundary values, from the schemas', () => {
  it.each(valid)('the %s example passes every rule', (_type, event) => {
    expect(refusal(event)).toBeUndefined();
  });

  it('writes closed-vocabulary terms as listed and text in NFC', () => {
    const result = valid.find(([type]) => type === 'TestResultRecorded')?.[1];
    if (!result) throw new Error('no TestResultRecorded example');
    const converted = codec.fromJson({
      ...result,
      payload: { ...result.payload, interpretation: ' ABNORMAL ', narrative: 'Zoe\u0301' },
    });
    expect(converted.payload).toMatchObject({ interpretation: 'abnormal', narrative: 'Zoé' });
  });

  it.each([
    ['TestResultRecorded', ['interpretation'], 'abnormalish', 'unknown-term'],
    ['TestResultRecorded', ['narrative'], 'a\u0000b', 'invalid-text'],
    ['TestResultRecorded', ['test', 'code'], '123\u0000', 'invalid-text'],
    ['MaternityBookingRecorded', ['estimatedDueDate'], 'garbage', 'invalid-date'],
    ['MaternityBookingRecorded', ['estimatedDueDate'], '2026-02-30', 'invalid-date'],
    ['CarePlanChanged', ['effectiveFrom'], 'garbage', 'invalid-date'],
    ['BirthRecorded', ['babyNhsNumber'], '123', 'invalid-nhs-number'],
    ['BirthRecorded', ['babyNhsNumber'], '1111111111', 'invalid-nhs-number'],
    ['BirthRecorded', ['birthTime'], '0000-01-01T00:00:00Z', 'date-out-of-range'],
    ['BirthRecorded', ['birthTime'], 'Dec 1', 'invalid-date-time'],
    ['CaseloadTransferredToHealthVisiting', ['childNhsNumber'], 'abc', 'invalid-nhs-number'],
    ['EntrySealed', ['entryEventId'], '0000000-00000-0000-0000-0000000000000', 'invalid-id'],
  ])('%s.%s = %j is refused as %s, naming the field', (type, path, value, code) => {
    const event = valid.find(([candidate]) => candidate === type)?.[1];
    if (!event) throw new Error(`no example for ${type}`);
    expect(
      refusal({
        ...event,
        payload: withLeaf(event.payload, path, value) as Record<string, unknown>,
      }),
    ).toEqual({
      code,
      field: ['payload', ...path].join('.'),
    });
  });

  it.each(['__proto__', 'constructor', 'toString', 'unexpected'])(
    'refuses an undeclared payload field %s (avsc alone lets the first three through)',
    (name) => {
      const [, event] = valid[0] ?? [];
      if (!event) throw new Error('no example');
      const payload = JSON.parse(
        `{${JSON.stringify(name)}:1,${JSON.stringify(event.payload).slice(1)}`,
      ) as Record<string, unknown>;
      expect(refusal({ ...event, payload })).toEqual({
        code: 'invalid-event',
        field: `payload.${name}`,
      });
    },
  );

  describe('a carer scope (#19: a scope naming no journal section gave the carer nothing)', () => {
    const approval = (scope: unknown): UncheckedRecordEntryEvent => {
      const example = valid.find(([type]) => type === 'CarerApproved')?.[1];
      if (!example) throw new Error('no CarerApproved example');
      const payload = { ...example.payload, scope };
      if (scope === undefined) delete payload['scope'];
      return { ...example, payload };
    };

    it('is refused when it names something that is not a journal section, naming the item', () => {
      expect(refusal(approval(['care-plan', 'medication']))).toEqual({
        code: 'unknown-term',
        field: 'payload.scope[0]',
      });
      expect(refusal(approval(['medicines', 'appointments']))).toEqual({
        code: 'unknown-term',
        field: 'payload.scope[1]',
      });
    });

    it('is refused when it names no section at all', () => {
      expect(refusal(approval([]))).toEqual({ code: 'empty-list', field: 'payload.scope' });
      expect(refusal(approval(undefined))).toEqual({ code: 'empty-list', field: 'payload.scope' });
    });

    it('is accepted when every name is a journal section, as spelt in any case', () => {
      const event = approval([' Social-Care ', 'medicines']);
      expect(refusal(event)).toBeUndefined();
      expect(codec.fromJson(event).payload['scope']).toEqual(['social-care', 'medicines']);
    });
  });

  it('refuses year 0 and other out-of-range clinical times', () => {
    const [, event] = valid[0] ?? [];
    if (!event) throw new Error('no example');
    expect(refusal({ ...event, occurredAt: new Date('0000-06-01T00:00:00Z') })?.code).toBe(
      'clinical-time-out-of-range',
    );
  });

  it('lets a claim’s expiry lie ahead, up to 31 days after recording, and no further', () => {
    const claim = valid.find(([type]) => type === 'RelationshipClaimed')?.[1];
    if (!claim) throw new Error('no RelationshipClaimed example');
    const ahead = (days: number) => ({
      ...claim,
      payload: {
        ...claim.payload,
        expiresAt: new Date(claim.recordedAt.getTime() + days * 86_400_000).toISOString(),
      },
    });
    expect(refusal(ahead(1))).toBeUndefined();
    expect(refusal(ahead(31))).toBeUndefined();
    expect(refusal(ahead(32))).toEqual({ code: 'date-out-of-range', field: 'payload.expiresAt' });
  });

  it('property: over every entry type, a control character, an over-long string or a wrong type in any payload field is refused with a code and the field', () => {
    const FORBIDDEN = [
      '\u0000',
      '\u0008',
      '\u000b',
      '\u001b',
      '\u007f',
      '\u0085',
      '\u202e',
      '\ud800',
      '\uffff',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.nat(),
        fc.constantFrom<'control' | 'long' | 'type'>('control', 'long', 'type'),
        fc.constantFrom(...FORBIDDEN),
        fc.constantFrom<unknown>(42, true, [], {}, [1], 1.5),
        ([, event], pick, change, character, wrong) => {
          const strings = leaves(event.payload).filter(([, value]) => typeof value === 'string');
          const [path, value] = strings[pick % Math.max(strings.length, 1)] ?? [];
          if (!path) return;
          const replacement =
            change === 'control'
              ? `${String(value)}${character}`
              : change === 'long'
                ? 'x'.repeat(20_001)
                : wrong;
          const refused = refusal({
            ...event,
            payload: withLeaf(event.payload, path, replacement) as Record<string, unknown>,
          });
          expect(refused?.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
          expect(refused?.field).toMatch(/^payload\./);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
