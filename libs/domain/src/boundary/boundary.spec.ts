import fc from 'fast-check';
import { isValidNhsNumber } from '../nhs-number';
import { DomainError } from '../domain-error';
import {
  DATE_FIELD_RANGES,
  DEFAULT_DATE_RANGE,
  isFullDate,
  parseDateTime,
  parseFullDate,
  rfc3339Instant,
} from './date-time';
import { decodePageCursor, encodePageCursor } from './page-cursor';
import { codePointLength, parseText, TEXT_LIMITS } from './text';
import { isUuid, parseUuid } from './uuid';
import { canonicalTerm, isAbnormalInterpretation, PAYLOAD_VOCABULARIES } from './vocabularies';

const refusal = (run: () => unknown): { code: string; field?: string } | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { code: error.code, ...(error.field ? { field: error.field } : {}) };
  }
};

describe('RFC 3339 date-times', () => {
  it.each([
    '2026-02-01T09:30:00Z',
    '2026-02-01T09:30:00.123Z',
    '2026-02-01T09:30:00.123456789+01:00',
    '2024-02-29T00:00:00-05:30',
    '2026-02-01t09:30:00z',
  ])('accepts %s', (value) => {
    expect(rfc3339Instant(value)).toBeInstanceOf(Date);
  });

  it.each([
    ['2026-02-30T10:00:00Z', 'rolls over to 2 March in Date.parse'],
    ['2025-02-29T10:00:00Z', 'not a leap year'],
    ['01/02/2026', 'a locale format'],
    ['1', 'read as 2001 by Date.parse'],
    ['Dec 1', 'read as 1 December 2001 by Date.parse'],
    ['2026-02-01', 'a date, not a date-time'],
    ['2026-02-01T09:30:00', 'no offset'],
    ['2026-02-01 09:30:00Z', 'a space for T'],
    ['2026-02-01T24:00:00Z', 'hour 24'],
    ['2026-02-01T09:60:00Z', 'minute 60'],
    ['2026-12-31T23:59:60Z', 'a leap second (a Date cannot hold one)'],
    ['2026-02-01T09:30:00+24:00', 'offset hour 24'],
    ['+275760-09-13T00:00:00Z', 'an expanded year'],
    ['2026-02-01T09:30:00.Z', 'an empty fraction'],
    ['', 'empty'],
  ])('refuses %s (%s)', (value) => {
    expect(rfc3339Instant(value)).toBeUndefined();
    expect(refusal(() => parseDateTime(value, 'occurredAt'))).toEqual({
      code: 'invalid-date-time',
      field: 'occurredAt',
    });
  });

  it('refuses a time outside its range, naming the field', () => {
    const range = {
      earliest: new Date('1900-01-01T00:00:00Z'),
      latest: new Date('2026-06-01T00:00:00Z'),
    };
    expect(
      refusal(() => parseDateTime('0000-01-01T00:00:00Z', 'payload.birthTime', range)),
    ).toEqual({
      code: 'date-out-of-range',
      field: 'payload.birthTime',
    });
    expect(parseDateTime('1900-01-01T00:00:00Z', 'x', range)).toEqual(range.earliest);
  });

  it('property: agrees with Date on every real instant it is given in ISO form', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(rfc3339Instant(date.toISOString())?.getTime()).toBe(date.getTime());
        },
      ),
    );
  });
});

describe('RFC 3339 full-dates', () => {
  const recordedAt = new Date('2026-06-01T12:00:00Z');

  it.each([
    '2026-02-30',
    '2026-04-31',
    '2025-02-29',
    '2026-00-10',
    '2026-1-1',
    '01/02/2026',
    'garbage',
    '1',
    'Dec 1',
  ])('refuses %s', (value) => {
    expect(isFullDate(value)).toBe(false);
    expect(
      refusal(() => parseFullDate(value, 'payload.onsetDate', DEFAULT_DATE_RANGE, recordedAt)),
    ).toEqual({
      code: 'invalid-date',
      field: 'payload.onsetDate',
    });
  });

  it('keeps each field within its documented range, from the day it was recorded', () => {
    const due = DATE_FIELD_RANGES['MaternityBookingRecorded.estimatedDueDate'];
    if (!due) throw new Error('no range for estimatedDueDate');
    expect(parseFullDate('2027-03-01', 'd', due, recordedAt)).toBe('2027-03-01');
    expect(refusal(() => parseFullDate('2028-01-01', 'd', due, recordedAt))?.code).toBe(
      'date-out-of-range',
    );
    expect(refusal(() => parseFullDate('1899-12-31', 'd', due, recordedAt))?.code).toBe(
      'date-out-of-range',
    );
    expect(parseFullDate('2026-06-02', 'd', DEFAULT_DATE_RANGE, recordedAt)).toBe('2026-06-02');
    expect(
      refusal(() => parseFullDate('2026-06-03', 'd', DEFAULT_DATE_RANGE, recordedAt))?.code,
    ).toBe('date-out-of-range');
  });
});

describe('text', () => {
  it('keeps newline and tab in free text only', () => {
    expect(parseText('line one\n\tline two', 'note', 'free-text')).toBe('line one\n\tline two');
    expect(refusal(() => parseText('line one\nline two', 'code', 'text'))).toEqual({
      code: 'invalid-text',
      field: 'code',
    });
  });

  it.each([
    '\u0000',
    '\u0007',
    '\r',
    '\u001b',
    '\u007f',
    '\u0085',
    '\u202e',
    '\u2066',
    '\ud800',
    '\udc00',
    '\uffff',
  ])('refuses U+%s anywhere', (character) => {
    expect(refusal(() => parseText(`a${character}b`, 'payload.narrative', 'free-text'))?.code).toBe(
      'invalid-text',
    );
    expect(refusal(() => parseText(`a${character}b`, 'payload.code', 'text'))?.code).toBe(
      'invalid-text',
    );
  });

  it('normalises to NFC and counts code points', () => {
    expect(parseText('Zoe\u0301', 'name', 'text')).toBe('Zoé');
    expect(codePointLength('😀😀')).toBe(2);
    expect(parseText('😀'.repeat(TEXT_LIMITS.text), 'name', 'text')).toHaveLength(
      2 * TEXT_LIMITS.text,
    );
    expect(refusal(() => parseText('a'.repeat(TEXT_LIMITS.text + 1), 'name', 'text'))?.code).toBe(
      'text-too-long',
    );
    expect(refusal(() => parseText(42, 'name', 'text'))?.code).toBe('invalid-text');
  });

  it('property: whatever it accepts is NFC, within the limit and free of forbidden characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        let accepted: string | undefined;
        try {
          accepted = parseText(value, 'x', 'free-text');
        } catch (error) {
          expect((error as DomainError).code).toMatch(/^(invalid-text|text-too-long)$/);
          return;
        }
        expect(accepted.normalize('NFC')).toBe(accepted);
        // eslint-disable-next-line no-control-regex -- the characters refused
        expect(accepted).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      }),
    );
  });
});

describe('ids and cursors', () => {
  it('one UUID shape: 8-4-4-4-12 hexadecimal digits', () => {
    expect(isUuid('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(parseUuid('0F8FAD5B-D9CB-469F-A165-70867728950E', 'id')).toBe(
      '0f8fad5b-d9cb-469f-a165-70867728950e',
    );
    for (const almost of [
      '0000000-00000-0000-0000-0000000000000',
      '------------------------------------',
      '0f8fad5bd9cb469fa16570867728950e0000',
      'g f8fad5b-d9cb-469f-a165-70867728950',
    ])
      expect(isUuid(almost)).toBe(false);
    expect(refusal(() => parseUuid('nope', 'eventId'))).toEqual({
      code: 'invalid-id',
      field: 'eventId',
    });
  });

  it('a cursor round-trips, and anything else is invalid-cursor', () => {
    const position = {
      at: new Date('2026-02-01T09:30:00.000Z'),
      id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    };
    expect(decodePageCursor(encodePageCursor(position))).toEqual(position);
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'garbage!',
      '',
      'a'.repeat(300),
      forged(['2026-02-30T00:00:00.000Z', position.id]),
      forged(['2026-02-01T09:30:00.000Z', 'x']),
      forged([1, 2]),
      forged({}),
      forged(['Dec 1', position.id]),
    ])
      expect(refusal(() => decodePageCursor(cursor))).toEqual({
        code: 'invalid-cursor',
        field: 'cursor',
      });
  });

  it('a cursor altered in transit is refused, not read as another position', () => {
    const cursor = encodePageCursor({
      at: new Date('2026-02-01T09:30:00.000Z'),
      id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    });
    const flipped = (index: number) =>
      cursor.slice(0, index) + (cursor[index] === 'A' ? 'B' : 'A') + cursor.slice(index + 1);
    for (const tampered of [
      cursor.slice(0, -4),
      `${cursor}A`,
      flipped(0),
      flipped(5),
      `${cursor.slice(0, 10)}%${cursor.slice(11)}`,
      cursor.replace(/.$/, '='),
    ]) {
      const outcome = refusal(() => decodePageCursor(tampered, '_cursor'));
      expect(outcome).toEqual({ code: 'invalid-cursor', field: '_cursor' });
    }
  });

  it('ids other than UUIDs are read by the route that issues them, unchanged', () => {
    const lineId = (id: string) => (id.startsWith('fold:') ? id : undefined);
    const position = {
      at: new Date('2026-03-28T00:00:00.000Z'),
      id: 'fold:0f8fad5b-d9cb-469f-a165-70867728950e..7c9e6679-7425-40de-944b-e07fc1f90ae7',
    };
    expect(decodePageCursor(encodePageCursor(position), 'cursor', lineId)).toEqual(position);
    expect(refusal(() => decodePageCursor(encodePageCursor(position)))).toEqual({
      code: 'invalid-cursor',
      field: 'cursor',
    });
    const uuid = encodePageCursor({ ...position, id: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    expect(refusal(() => decodePageCursor(uuid, 'cursor', lineId))).toEqual({
      code: 'invalid-cursor',
      field: 'cursor',
    });
  });

  it('reads the epoch-millisecond time that journal cursors held before, and only a whole one', () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(decodePageCursor(forged([Date.UTC(2026, 1, 1), id]))).toEqual({
      at: new Date('2026-02-01T00:00:00.000Z'),
      id,
    });
    for (const at of [1.5, 1e300, -1e300])
      expect(refusal(() => decodePageCursor(forged([at, id])))).toEqual({
        code: 'invalid-cursor',
        field: 'cursor',
      });
  });
});

describe('NHS numbers and vocabularies', () => {
  it.each('0123456789'.split(''))('refuses ten %ss, though some pass modulus 11', (digit) => {
    expect(isValidNhsNumber(digit.repeat(10))).toBe(false);
  });

  it('reads a listed term in any case, and nothing else', () => {
    const interpretation = PAYLOAD_VOCABULARIES['TestResultRecorded.interpretation'] ?? [];
    expect(
      ['Abnormal', 'ABNORMAL', ' abnormal ', 'Critical'].map((value) =>
        canonicalTerm(interpretation, value),
      ),
    ).toEqual(['abnormal', 'abnormal', 'abnormal', 'critical']);
    expect(canonicalTerm(interpretation, 'abnormalish')).toBeUndefined();
  });

  it('shows every result not plainly normal, whatever its case or spelling', () => {
    for (const value of [
      'abnormal',
      'Abnormal',
      'ABNORMAL',
      'Critical',
      'H',
      'high',
      '',
      null,
      undefined,
    ])
      expect(isAbnormalInterpretation(value)).toBe(true);
    for (const value of ['normal', 'Normal', ' NORMAL '])
      expect(isAbnormalInterpretation(value)).toBe(false);
  });
});
