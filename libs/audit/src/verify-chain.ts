import type { DataSource } from 'typeorm';
import type { Json } from './access-event';
import { auditSchema } from './audit-data-source';
import { checkLink, type ChainBreak, type ChainLink } from './chain';

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
 * Recomputes every hash of the audit trail in seq order and stops at the first break:
 * a row edited, deleted or moved. Reads a page at a time, so it runs in constant memory.
 * What it cannot see is the newest rows cut off the end; the audit topic keeps a copy of
 * each row's seq and hash for that comparison.
 */
export async function verifyAuditChain(
  dataSource: DataSource,
  { schema = auditSchema(), pageSize = 1000 }: { schema?: string; pageSize?: number } = {},
): Promise<ChainVerdict> {
  let previous: ChainLink | undefined;
  let rows = 0;
  for (;;) {
    const page = await dataSource.query<VerifiedRow[]>(
      `SELECT seq, access_id::text AS access_id,
              (extract(epoch FROM occurred_at) * 1000000)::bigint::text AS occurred_at_us,
              actor, nhs_number, action, outcome, entries_shown, break_glass, basis, claim, review, prev_hash, hash
       FROM "${schema}".access_event
       WHERE $1::bigint IS NULL OR seq > $1
       ORDER BY seq
       LIMIT $2`,
      [previous?.seq ?? null, pageSize],
    );
    for (const row of page) {
      const link = { seq: Number(row.seq), hash: row.hash };
      const broken = checkLink(previous, {
        ...link,
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
      if (broken) return { ok: false, ...broken };
      previous = link;
      rows++;
    }
    if (page.length < pageSize) return { ok: true, rows };
  }
}
