import type { DataSource } from 'typeorm';
import type { Json } from './access-event';
import { auditSchema } from './audit-data-source';
import { checkLink, type ChainBreak, type ChainLink, type ChainRow } from './chain';

export type ChainVerdict = { ok: true; rows: number } | ({ ok: false } & ChainBreak);

type VerifiedRow = {
  seq: string;
  access_id: string;
  occurred_at_us: string;
  actor: Json;
  nhs_number: string;
  action: string;
  outcome: string;
  entries_shown: number | null;
  break_glass: Json;
  basis: string | null;
  claim: Json;
  review: Json;
  prev_hash: string;
  hash: string;
};

/**
 * The stored time as the ISO 8601 string that was hashed. Read as whole microseconds, not
 * through a JavaScript Date, so that an edit below the millisecond still changes the string.
 */
function isoFromEpochMicros(micros: string): string {
  const value = BigInt(micros);
  const iso = new Date(Number(value / 1000n)).toISOString();
  const belowMillisecond = value % 1000n;
  return belowMillisecond === 0n
    ? iso
    : iso.replace('Z', `${belowMillisecond.toString().padStart(3, '0')}Z`);
}

/**
 * Every row of the trail in seq order, as the chain hashed it, a page at a time (constant
 * memory). `onRow` returns false to stop early.
 */
export async function walkTrail(
  dataSource: DataSource,
  schema: string,
  onRow: (row: ChainRow) => boolean | void,
  pageSize = 1000,
): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const page: VerifiedRow[] = await dataSource.query<VerifiedRow[]>(
      `SELECT seq, access_id::text AS access_id,
              (extract(epoch FROM occurred_at) * 1000000)::bigint::text AS occurred_at_us,
              actor, nhs_number, action, outcome, entries_shown, break_glass, basis, claim, review, prev_hash, hash
       FROM "${schema}".access_event
       WHERE $1::bigint IS NULL OR seq > $1
       ORDER BY seq
       LIMIT $2`,
      [after, pageSize],
    );
    for (const row of page) {
      const goOn = onRow({
        seq: Number(row.seq),
        hash: row.hash,
        prevHash: row.prev_hash,
        content: {
          accessId: row.access_id,
          occurredAt: isoFromEpochMicros(row.occurred_at_us),
          actor: row.actor,
          nhsNumber: row.nhs_number,
          action: row.action,
          outcome: row.outcome,
          entriesShown: row.entries_shown,
          breakGlass: row.break_glass,
          basis: row.basis,
          claim: row.claim,
          review: row.review,
        },
      });
      if (goOn === false) return;
    }
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = last.seq;
  }
}

/**
 * Recomputes every hash of the audit trail in seq order and stops at the first break:
 * a row edited, deleted or moved. The chain alone cannot see rows cut off the end, every
 * row deleted, or a trail re-chained from an edit on: `verifyAuditTrail` adds the signed
 * checkpoints and the audit topic for those.
 */
export async function verifyAuditChain(
  dataSource: DataSource,
  { schema = auditSchema(), pageSize = 1000 }: { schema?: string; pageSize?: number } = {},
): Promise<ChainVerdict> {
  let previous: ChainLink | undefined;
  let rows = 0;
  let broken: ChainBreak | undefined;
  await walkTrail(
    dataSource,
    schema,
    (row) => {
      broken = checkLink(previous, row);
      if (broken) return false;
      previous = { seq: row.seq, hash: row.hash };
      rows++;
      return true;
    },
    pageSize,
  );
  return broken ? { ok: false, ...broken } : { ok: true, rows };
}
