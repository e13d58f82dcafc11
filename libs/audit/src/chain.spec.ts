import { storedAccessFields, type AccessEvent } from './access-event';
import {
  canonicalJson,
  chainHash,
  checkLink,
  GENESIS_HASH,
  type ChainContent,
  type ChainRow,
} from './chain';

const event = (overrides: Partial<AccessEvent> = {}): AccessEvent => ({
  accessId: '0b3f6a4e-9f0c-4c55-8d8e-6a1f2b3c4d5e',
  occurredAt: new Date('2026-04-01T09:00:00.123Z'),
  actor: { userId: 'dr-patel', role: 'gp', organisation: 'A81001' },
  nhsNumber: '9434765919',
  action: 'read-record',
  outcome: 'allowed',
  entriesShown: 12,
  breakGlass: null,
  ...overrides,
});

/** A chain of `count` rows built the way AuditTrail builds them. */
function chain(count: number): ChainRow[] {
  const rows: ChainRow[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const content: ChainContent = storedAccessFields(
      event({ accessId: `0b3f6a4e-9f0c-4c55-8d8e-6a1f2b3c4d${String(seq).padStart(2, '0')}` }),
    );
    const prevHash = rows.at(-1)?.hash ?? GENESIS_HASH;
    rows.push({ seq, content, prevHash, hash: chainHash(content, prevHash) });
  }
  return rows;
}

const firstBreak = (rows: ChainRow[]) => {
  let previous: ChainRow | undefined;
  for (const row of rows) {
    const broken = checkLink(previous, row);
    if (broken) return broken;
    previous = row;
  }
  return undefined;
};

describe('canonical JSON', () => {
  it('sorts keys at every depth and leaves arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
  });

  it('is the same whatever order the keys were written in', () => {
    expect(canonicalJson({ role: 'gp', userId: 'u' })).toBe(
      canonicalJson({ userId: 'u', role: 'gp' }),
    );
  });
});

describe('the stored form of an access event', () => {
  it('keeps only the actor fields that are stored, lower-cases the uuid, times to the millisecond', () => {
    const fields = storedAccessFields(
      event({
        accessId: '0B3F6A4E-9F0C-4C55-8D8E-6A1F2B3C4D5E',
        actor: {
          userId: 'u',
          role: 'gp',
          organisation: 'A81001',
          extra: 'x',
        } as AccessEvent['actor'],
      }),
    );
    expect(fields.accessId).toBe('0b3f6a4e-9f0c-4c55-8d8e-6a1f2b3c4d5e');
    expect(fields.actor).toEqual({ userId: 'u', role: 'gp', organisation: 'A81001' });
    expect(fields.occurredAt).toBe('2026-04-01T09:00:00.123Z');
  });

  it.each<[string, Partial<AccessEvent>, string]>([
    ['a malformed accessId', { accessId: 'not-a-uuid' }, 'accessId'],
    ['an invalid date', { occurredAt: new Date('nonsense') }, 'occurredAt'],
    ['a fractional entry count', { entriesShown: 1.5 }, 'entriesShown'],
    ['an allowed break-glass without a reason', { action: 'break-glass' }, 'breakGlass.reason'],
  ])('refuses %s, naming the field', (_case, overrides, field) => {
    expect(() => storedAccessFields(event(overrides))).toThrow(
      expect.objectContaining({ code: 'invalid-access-event', field }),
    );
  });
});

describe('checking the chain', () => {
  it('finds nothing wrong with an intact chain', () => {
    expect(firstBreak(chain(5))).toBeUndefined();
  });

  it('changes the hash when any hashed field or the predecessor changes', () => {
    const content = storedAccessFields(event());
    const hash = chainHash(content, GENESIS_HASH);
    expect(chainHash({ ...content, entriesShown: 13 }, GENESIS_HASH)).not.toBe(hash);
    expect(chainHash({ ...content, actor: { userId: 'someone-else' } }, GENESIS_HASH)).not.toBe(
      hash,
    );
    expect(chainHash(content, 'f'.repeat(64))).not.toBe(hash);
  });

  it('names an edited row', () => {
    const rows = chain(5);
    const third = rows[2] as ChainRow;
    rows[2] = { ...third, content: { ...third.content, nhsNumber: '9999999999' } };
    expect(firstBreak(rows)).toMatchObject({ seq: 3, problem: 'edited' });
  });

  it('names a deleted row by the seq that is missing, the first row too', () => {
    expect(firstBreak(chain(5).filter((row) => row.seq !== 3))).toMatchObject({
      seq: 3,
      problem: 'deleted',
    });
    expect(firstBreak(chain(5).slice(1))).toMatchObject({ seq: 1, problem: 'deleted' });
  });

  it('names rows moved to another place in the chain', () => {
    const rows = chain(5);
    const [second, fourth] = [rows[1] as ChainRow, rows[3] as ChainRow];
    rows[1] = { ...fourth, seq: 2 };
    rows[3] = { ...second, seq: 4 };
    expect(firstBreak(rows)).toMatchObject({ seq: 2, problem: 'reordered' });
  });

  it('names the rows after a deletion renumbered to close the gap', () => {
    const rows = chain(5)
      .filter((row) => row.seq !== 3)
      .map((row, index) => ({ ...row, seq: index + 1 }));
    expect(firstBreak(rows)).toMatchObject({ seq: 3, problem: 'reordered' });
  });
});

describe('the fields added later (basis, claim, review)', () => {
  it('leave the hash of a row without them as it was, and change it when present', () => {
    const content = storedAccessFields(event());
    const { basis, claim, review, ...before } = content;
    expect([basis, claim, review]).toEqual([null, null, null]);
    // A row written before migration 0002: the same hash with or without the null columns.
    expect(chainHash(before, GENESIS_HASH)).toBe(chainHash(content, GENESIS_HASH));
    expect(chainHash({ ...content, basis: 'break-glass' }, GENESIS_HASH)).not.toBe(
      chainHash(content, GENESIS_HASH),
    );
    expect(
      chainHash(
        { ...content, claim: { reason: 'falls clinic', expiresAt: '2026-04-02T09:00:00.000Z' } },
        GENESIS_HASH,
      ),
    ).not.toBe(chainHash(content, GENESIS_HASH));
  });

  it('refuses an allowed claim without a reason and a basis it does not know', () => {
    expect(() => storedAccessFields(event({ action: 'claim-relationship' }))).toThrow(
      expect.objectContaining({ field: 'claim.reason' }),
    );
    expect(() => storedAccessFields(event({ basis: 'friendship' as unknown as 'claim' }))).toThrow(
      expect.objectContaining({ field: 'basis' }),
    );
  });
});
