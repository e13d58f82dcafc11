import { existsSync, readFileSync } from 'node:fs';
import { loadAuditCodec, type AuditCheckpointSigned } from '@carelog/codec';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { canonicalJson, chainHash, GENESIS_HASH, type ChainContent } from './chain';
import type { TrustedKeys } from './checkpoint';
import { readTopicToEnd } from './topic-reader';
import { walkTrail } from './verify-chain';

/**
 * Every kind of problem `npm run audit:verify` reports (libs/audit/README.md, "Verifying").
 * Row findings name seqs; checkpoint findings name checkpoints.
 */
export const FINDING_KINDS = {
  'row-missing': 'seq missing from the trail: a gap in the chain (rows deleted)',
  'row-edited': "the row's hash does not match its content (row edited)",
  'chain-relinked':
    'an intact row whose prev_hash is not the hash of the row before it (rows reordered, renumbered or re-hashed)',
  'row-not-on-topic':
    'in the trail but not on the audit topic (a row added behind the record API, or one never published)',
  'row-not-in-trail': 'on the audit topic but not in the trail (rows deleted)',
  'row-differs-from-topic':
    'the trail and the audit topic hold different rows under this seq (edited, or the trail re-chained)',
  'row-basis-differs-from-topic':
    "the row's basis, claim or review is not what the audit topic holds for it (edited in the trail)",
  'topic-conflict': 'the audit topic holds two different rows under this seq',
  'topic-message-undecodable': 'a message on the audit topic could not be decoded',
  'checkpoint-signature-invalid':
    'a checkpoint whose signature does not verify (forged or altered)',
  'checkpoint-unknown-key': 'a checkpoint signed with a key the verifier does not trust',
  'trail-shorter-than-checkpoint':
    'a checkpoint counted more rows than the trail holds (rows cut off the end, or every row deleted)',
  'checkpoint-head-mismatch':
    'the row a checkpoint names as the head has another hash (the trail was rewritten after it)',
  'checkpoint-regressed': 'a checkpoint counts fewer rows than one signed before it',
  'rows-not-checkpointed':
    'rows older than the checkpoint interval that no valid checkpoint covers (checkpoints lost, or rows added behind the record API)',
  'checkpoint-log-missing':
    'the checkpoint log is gone while the checkpoints topic holds checkpoints',
  'checkpoint-log-incomplete':
    'checkpoints on the topic, signed after the log began, missing from the log',
  'checkpoint-not-on-topic': 'checkpoints in the log missing from the checkpoints topic',
} as const;
export type FindingKind = keyof typeof FINDING_KINDS;

export interface AuditFinding {
  kind: FindingKind;
  /** How many rows or checkpoints. */
  count: number;
  /** For row findings: the seqs, as ranges (`17`, `2501-2505`), the first few. */
  seqs?: string;
  /** For checkpoint findings: which, the first few (`topic offset 3: count 5000, signed ...`). */
  checkpoints?: string[];
  detail: string;
}

export interface AuditReport {
  trail: string;
  rows: number;
  topicRows: number;
  checkpoints: number;
  validCheckpoints: number;
  /** The newest valid checkpoint, as a person would name it. */
  latestCheckpoint?: string;
  findings: AuditFinding[];
}

/** What the audit topic holds, by seq: enough to compare with the trail (a hash and an id). */
export interface TopicIndex {
  /** `basis`: what the access was made under, as canonical JSON; from version 2 messages only. */
  bySeq: Map<number, { hash: string; accessId: string; basis?: string }>;
  conflicts: number[];
  undecodable: string[];
  messages: number;
}

/** A checkpoint and where it was found (for the report). */
export interface FoundCheckpoint {
  checkpoint: AuditCheckpointSigned;
  where: string;
}

/** What an access was made under (and its review), in one comparable form: times as ISO. */
const basisJson = (content: Pick<ChainContent, 'basis' | 'claim' | 'review'>): string =>
  canonicalJson({
    basis: content.basis ?? null,
    claim: content.claim ?? null,
    review: content.review ?? null,
  });

/** Reads the whole audit topic (every partition to its current end) into an index by seq. */
export async function readAuditTopic(kafka: Kafka, topic: string): Promise<TopicIndex> {
  const codec = loadAuditCodec();
  const index: TopicIndex = { bySeq: new Map(), conflicts: [], undecodable: [], messages: 0 };
  await readTopicToEnd(kafka, topic, (message, partition) => {
    index.messages++;
    try {
      if (!message.value) throw new Error('no value');
      const { event, writer } = codec.decode(message.value);
      if (!('seq' in event)) throw new Error('not an access event');
      const known = index.bySeq.get(event.seq);
      // The same row twice is a publish retried after AuditPublishError; two rows is not.
      if (known && known.hash !== event.hash) index.conflicts.push(event.seq);
      else
        index.bySeq.set(event.seq, {
          hash: event.hash,
          accessId: event.accessId,
          // Version 1 did not carry them: nothing to compare.
          ...(writer.version >= 2
            ? {
                basis: basisJson({
                  basis: event.basis,
                  claim: event.claim && {
                    reason: event.claim.reason,
                    expiresAt: event.claim.expiresAt.toISOString(),
                  },
                  review: event.review && {
                    reason: event.review.reason,
                    reader: event.review.reader,
                    asAt: event.review.asAt && event.review.asAt.toISOString(),
                    alertId: event.review.alertId,
                    outcome: event.review.outcome,
                  },
                }),
              }
            : {}),
        });
    } catch {
      index.undecodable.push(`partition ${partition} offset ${message.offset}`);
    }
  });
  return index;
}

/** The checkpoints of one trail on the checkpoints topic, in the order they were published. */
export async function readCheckpointTopic(
  kafka: Kafka,
  topic: string,
  trail: string,
): Promise<FoundCheckpoint[]> {
  const codec = loadAuditCodec();
  const found: FoundCheckpoint[] = [];
  await readTopicToEnd(kafka, topic, (message, partition) => {
    if (!message.value) return;
    const { event } = codec.decode(message.value);
    if ('signature' in event && event.trail === trail)
      found.push({
        checkpoint: event,
        where: `topic partition ${partition} offset ${message.offset}`,
      });
  });
  return found;
}

/** The checkpoints of one trail in the log file; undefined when there is no such file. */
export function readCheckpointLog(file: string, trail: string): FoundCheckpoint[] | undefined {
  if (!existsSync(file)) return undefined;
  const found: FoundCheckpoint[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (!line.trim()) return;
      const parsed = JSON.parse(line) as AuditCheckpointSigned & { signedAt: string };
      if (parsed.trail !== trail) return;
      found.push({
        checkpoint: { ...parsed, signedAt: new Date(parsed.signedAt) },
        where: `log line ${index + 1}`,
      });
    });
  return found;
}

export interface VerifyTrailOptions {
  schema: string;
  /** The trail's name in its checkpoints (the schema it was written in). */
  trail: string;
  topic: TopicIndex;
  checkpoints: FoundCheckpoint[];
  /** The checkpoint log's checkpoints, undefined when the log file is gone; omit for no log. */
  logCheckpoints?: FoundCheckpoint[] | undefined;
  usesLog: boolean;
  trustedKeys: TrustedKeys;
  /** Rows older than this must be covered by a valid checkpoint. */
  checkpointMaxAgeMs: number;
  now?: Date;
}

const MAX_LISTED = 5;

/** 1,2,3,7,9,10 -> "1-3, 7, 9-10", the first few ranges. */
function seqRanges(seqs: number[]): string {
  const ranges: string[] = [];
  let start = seqs[0];
  let end = start;
  for (const seq of [...seqs.slice(1), undefined]) {
    if (seq !== undefined && end !== undefined && seq === end + 1) {
      end = seq;
      continue;
    }
    if (start !== undefined) ranges.push(start === end ? `${start}` : `${start}-${end}`);
    start = seq;
    end = seq;
  }
  const shown = ranges.slice(0, MAX_LISTED).join(', ');
  return ranges.length > MAX_LISTED
    ? `${shown} and ${ranges.length - MAX_LISTED} more ranges`
    : shown;
}

const describe = (found: FoundCheckpoint): string =>
  `${found.where}: count ${found.checkpoint.count}, signed ${found.checkpoint.signedAt.toISOString()} with key ${found.checkpoint.keyId}`;

const signatureOf = (found: FoundCheckpoint): string => found.checkpoint.signature;

/**
 * Checks the trail three ways and reports every problem found, not only the first: the hash
 * chain itself; the signed checkpoints of its head (they fix how many rows there were and
 * what the head was, with a key the database does not hold); and the copy of every row on
 * the audit topic (a second store, written by the record API, that a database owner cannot
 * rewrite). An untouched trail gives no finding.
 */
export async function verifyAuditTrail(
  dataSource: DataSource,
  options: VerifyTrailOptions,
): Promise<AuditReport> {
  const now = options.now ?? new Date();
  const rowFindings = new Map<FindingKind, number[]>();
  const checkpointFindings = new Map<FindingKind, string[]>();
  const addRows = (kind: FindingKind, ...seqs: number[]) =>
    rowFindings.set(kind, [...(rowFindings.get(kind) ?? []), ...seqs]);
  const addCheckpoint = (kind: FindingKind, what: string) =>
    checkpointFindings.set(kind, [...(checkpointFindings.get(kind) ?? []), what]);

  // Signatures first: only a valid checkpoint says anything about the trail.
  const valid: FoundCheckpoint[] = [];
  const all = [...options.checkpoints, ...(options.logCheckpoints ?? [])];
  const seen = new Set<string>();
  for (const found of all) {
    if (seen.has(signatureOf(found))) continue;
    seen.add(signatureOf(found));
    const verdict = options.trustedKeys.check(found.checkpoint);
    if (verdict === 'bad-signature') addCheckpoint('checkpoint-signature-invalid', describe(found));
    else if (verdict === 'unknown-key') addCheckpoint('checkpoint-unknown-key', describe(found));
    else valid.push(found);
  }
  const headsWanted = new Set(valid.map((found) => found.checkpoint.count));

  // The chain, and the topic's copy of each row, in one pass over the trail.
  const headHashes = new Map<number, string>();
  const inTrail = new Set<number>();
  const uncovered: Array<{ seq: number; occurredAt: string }> = [];
  const covered = Math.max(0, ...valid.map((found) => found.checkpoint.count));
  let previous: { seq: number; hash: string } | undefined;
  let rows = 0;
  await walkTrail(dataSource, options.schema, (row) => {
    rows++;
    inTrail.add(row.seq);
    const expected = (previous?.seq ?? 0) + 1;
    if (row.seq > expected)
      addRows('row-missing', ...Array.from({ length: row.seq - expected }, (_, i) => expected + i));
    if (chainHash(row.content, row.prevHash) !== row.hash) addRows('row-edited', row.seq);
    else if (row.seq === expected && row.prevHash !== (previous?.hash ?? GENESIS_HASH))
      addRows('chain-relinked', row.seq);
    const copy = options.topic.bySeq.get(row.seq);
    if (!copy) addRows('row-not-on-topic', row.seq);
    else if (copy.hash !== row.hash) addRows('row-differs-from-topic', row.seq);
    if (copy?.basis !== undefined && copy.basis !== basisJson(row.content))
      addRows('row-basis-differs-from-topic', row.seq);
    if (headsWanted.has(row.seq)) headHashes.set(row.seq, row.hash);
    if (row.seq > covered) uncovered.push({ seq: row.seq, occurredAt: row.content.occurredAt });
    previous = { seq: row.seq, hash: row.hash };
  });
  for (const seq of [...options.topic.bySeq.keys()].sort((a, b) => a - b))
    if (!inTrail.has(seq)) addRows('row-not-in-trail', seq);
  if (options.topic.conflicts.length) addRows('topic-conflict', ...options.topic.conflicts);
  for (const where of options.topic.undecodable) addCheckpoint('topic-message-undecodable', where);

  // Each valid checkpoint against the trail as it is now.
  const last = previous?.seq ?? 0;
  let before: FoundCheckpoint | undefined;
  for (const found of [...valid].sort(
    (a, b) => a.checkpoint.signedAt.getTime() - b.checkpoint.signedAt.getTime(),
  )) {
    const { count, headHash } = found.checkpoint;
    if (count > last)
      addCheckpoint(
        'trail-shorter-than-checkpoint',
        `${describe(found)} (the trail ends at ${last})`,
      );
    else if (count > 0 && headHashes.get(count) !== headHash)
      addCheckpoint('checkpoint-head-mismatch', describe(found));
    if (before && count < before.checkpoint.count)
      addCheckpoint('checkpoint-regressed', `${describe(found)} (after ${describe(before)})`);
    if (!before || count >= before.checkpoint.count) before = found;
  }
  const stale = uncovered.filter(
    (row) => now.getTime() - Date.parse(row.occurredAt) > options.checkpointMaxAgeMs,
  );
  if (stale.length) addRows('rows-not-checkpointed', ...stale.map((row) => row.seq));

  // The log and the topic should hold the same checkpoints.
  if (options.usesLog) {
    const onTopic = new Set(options.checkpoints.map(signatureOf));
    if (options.logCheckpoints === undefined) {
      if (options.checkpoints.length)
        addCheckpoint(
          'checkpoint-log-missing',
          `${options.checkpoints.length} checkpoints on the topic`,
        );
    } else {
      const inLog = new Set(options.logCheckpoints.map(signatureOf));
      const logStart = Math.min(
        ...options.logCheckpoints.map((found) => found.checkpoint.signedAt.getTime()),
      );
      for (const found of options.checkpoints)
        if (!inLog.has(signatureOf(found)) && found.checkpoint.signedAt.getTime() >= logStart)
          addCheckpoint('checkpoint-log-incomplete', describe(found));
      if (options.logCheckpoints.length === 0 && options.checkpoints.length)
        addCheckpoint(
          'checkpoint-log-incomplete',
          `the log is empty; the topic holds ${options.checkpoints.length}`,
        );
      for (const found of options.logCheckpoints)
        if (!onTopic.has(signatureOf(found)))
          addCheckpoint('checkpoint-not-on-topic', describe(found));
    }
  }

  const findings: AuditFinding[] = [];
  for (const kind of Object.keys(FINDING_KINDS) as FindingKind[]) {
    const seqs = rowFindings.get(kind);
    if (seqs?.length) {
      const sorted = [...new Set(seqs)].sort((a, b) => a - b);
      findings.push({
        kind,
        count: sorted.length,
        seqs: seqRanges(sorted),
        detail: FINDING_KINDS[kind],
      });
    }
    const checkpoints = checkpointFindings.get(kind);
    if (checkpoints?.length)
      findings.push({
        kind,
        count: checkpoints.length,
        checkpoints: checkpoints.slice(0, MAX_LISTED),
        detail: FINDING_KINDS[kind],
      });
  }
  const newest = valid.reduce<FoundCheckpoint | undefined>(
    (latest, found) =>
      !latest || found.checkpoint.signedAt > latest.checkpoint.signedAt ? found : latest,
    undefined,
  );
  return {
    trail: options.trail,
    rows,
    topicRows: options.topic.bySeq.size,
    checkpoints: seen.size,
    validCheckpoints: valid.length,
    ...(newest ? { latestCheckpoint: describe(newest) } : {}),
    findings,
  };
}

/** The report as `audit:verify` prints it: one line per finding, plainly. */
export function formatAuditReport(report: AuditReport): string {
  const summary = `audit trail "${report.trail}": ${report.rows} rows, ${report.topicRows} on the audit topic, ${report.checkpoints} checkpoints (${report.validCheckpoints} valid${report.latestCheckpoint ? `; latest ${report.latestCheckpoint}` : ''})`;
  if (report.findings.length === 0) return `${summary}\naudit trail intact: no findings\n`;
  const lines = report.findings.map((finding) => {
    const unit = finding.seqs !== undefined ? 'row' : 'checkpoint';
    const which =
      finding.seqs !== undefined
        ? ` seq ${finding.seqs}`
        : `\n    ${(finding.checkpoints ?? []).join('\n    ')}`;
    const more =
      finding.checkpoints && finding.count > finding.checkpoints.length
        ? `\n    and ${finding.count - finding.checkpoints.length} more`
        : '';
    return `FINDING ${finding.kind}: ${finding.count} ${unit}${finding.count === 1 ? '' : 's'}: ${finding.detail}.${which}${more}`;
  });
  return `${summary}\n${lines.join('\n')}\naudit trail NOT intact: ${report.findings.length} kind${report.findings.length === 1 ? '' : 's'} of finding\n`;
}
