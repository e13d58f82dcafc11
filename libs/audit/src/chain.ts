import { createHash } from 'node:crypto';
import type { Json } from './access-event';

/** The prev_hash of the first row: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted (by UTF-16 code unit, recursively) and no white space. For
 * the strings, integers and null an access event holds this is RFC 8785 (JCS), so the hash
 * can be recomputed outside carelog from the row alone.
 */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`);
    return `{${members.join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new Error('a non-finite number has no JSON form');
  return JSON.stringify(value);
}

/**
 * What the hash covers: every column of the row except `seq` and `hash` itself. `seq` is
 * left out on purpose: a row's position is already bound by prev_hash, and leaving it out
 * lets verification tell a moved row (intact, but linked to the wrong neighbour) from an
 * edited one.
 */
export interface ChainContent {
  accessId: string;
  occurredAt: string;
  actor: Json;
  nhsNumber: string;
  action: string;
  outcome: string;
  entriesShown: number | null;
  breakGlass: Json;
  /** Added later (migration 0002); null on every row written before. */
  basis?: string | null;
  claim?: Json;
  review?: Json;
}

const present = <T>(value: T | null | undefined): value is T =>
  value !== null && value !== undefined;

/**
 * sha256 (hex) of the canonical JSON of the content and prev_hash; nothing else is hashed.
 * `basis`, `claim` and `review` came later: each is hashed only when it is not null, so a row
 * written before they existed hashes exactly as it did.
 */
export function chainHash(content: ChainContent, prevHash: string): string {
  const hashed: Json = {
    accessId: content.accessId,
    occurredAt: content.occurredAt,
    actor: content.actor,
    nhsNumber: content.nhsNumber,
    action: content.action,
    outcome: content.outcome,
    entriesShown: content.entriesShown,
    breakGlass: content.breakGlass,
    ...(present(content.basis) ? { basis: content.basis } : {}),
    ...(present(content.claim) ? { claim: content.claim } : {}),
    ...(present(content.review) ? { review: content.review } : {}),
    prevHash,
  };
  return createHash('sha256').update(canonicalJson(hashed), 'utf8').digest('hex');
}

export type ChainProblem = 'edited' | 'deleted' | 'reordered';

export interface ChainBreak {
  seq: number;
  problem: ChainProblem;
  /** For people; names seqs only, never what the row holds. */
  detail: string;
}

export interface ChainLink {
  seq: number;
  hash: string;
}

export interface ChainRow extends ChainLink {
  content: ChainContent;
  prevHash: string;
}

/**
 * Checks one row against the row before it in seq order (undefined for the first). The
 * order of the checks decides how a break is named: a gap in seq is a deletion; a row whose
 * hash does not match its own content was edited; an intact row that does not link to its
 * predecessor was moved (or the rows after a deletion were renumbered to close the gap).
 */
export function checkLink(previous: ChainLink | undefined, row: ChainRow): ChainBreak | undefined {
  const expected = (previous?.seq ?? 0) + 1;
  if (row.seq > expected) {
    const missing = row.seq - 1 > expected ? `${expected}-${row.seq - 1}` : `${expected}`;
    return {
      seq: expected,
      problem: 'deleted',
      detail: `seq ${missing} missing: the chain goes from ${expected - 1} to ${row.seq} (row deleted)`,
    };
  }
  if (row.seq < expected) {
    return {
      seq: row.seq,
      problem: 'reordered',
      detail: `seq ${row.seq} is out of sequence: expected ${expected}`,
    };
  }
  if (chainHash(row.content, row.prevHash) !== row.hash) {
    return {
      seq: row.seq,
      problem: 'edited',
      detail: `seq ${row.seq}: the hash does not match the row's content (row edited)`,
    };
  }
  if (row.prevHash !== (previous?.hash ?? GENESIS_HASH)) {
    const before = previous ? `the hash of seq ${previous.seq}` : 'the genesis hash';
    return {
      seq: row.seq,
      problem: 'reordered',
      detail: `seq ${row.seq}: prev_hash does not match ${before} (rows reordered or renumbered)`,
    };
  }
  return undefined;
}
