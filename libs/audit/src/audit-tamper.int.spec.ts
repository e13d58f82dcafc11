import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, ensureTopics, recordTopicSpec } from '@carelog/kafka';
import { loadAuditCodec } from '@carelog/codec';
import { eventually, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { AccessAction } from './access-event';
import { auditDataSource } from './audit-data-source';
import { accessEventMessage, AuditTrail } from './audit-trail';
import { chainHash, type ChainRow } from './chain';
import { CheckpointSigner, TrustedKeys } from './checkpoint';
import { AuditCheckpointer } from './checkpointer';
import { walkTrail } from './verify-chain';
import {
  readAuditTopic,
  readCheckpointLog,
  readCheckpointTopic,
  verifyAuditTrail,
  type AuditReport,
  type FoundCheckpoint,
  type TopicIndex,
} from './verify-trail';

const repoRoot = join(__dirname, '../../..');
const ROWS = 5_000;
/**
 * An edit that changes the outcome whatever it was: rows are recorded 50 at a time, so which
 * row gets a given seq (and whether it was already denied) differs from run to run.
 */
const FLIP_OUTCOME = "outcome = CASE outcome WHEN 'denied' THEN 'allowed' ELSE 'denied' END";
const ACTIONS: AccessAction[] = ['read-record', 'read-journal', 'read-entry', 'read-access-log'];

/**
 * Tampering with a real trail of 5,000 rows as a database owner could (the trigger does not
 * stop an owner), each scenario on a fresh copy of the trail, the checkpoint log and the
 * evidence from Kafka. Every scenario must be detected; the untouched copy must give no
 * finding. Prints a table of what each scenario was and what `audit:verify` found.
 */
describe('audit:verify against tampering (5,000-row trail)', () => {
  const source = uniqueName('audit_tamper');
  const eventsTopic = uniqueName('audit-tamper-events');
  const checkpointsTopic = uniqueName('audit-tamper-checkpoints');
  const dir = mkdtempSync(join(tmpdir(), 'carelog-audit-tamper-'));
  const logFile = join(dir, 'checkpoints.jsonl');
  const keyFile = join(dir, 'signing-key.pem');
  const signer = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
  const foreign = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
  const trusted = new TrustedKeys([signer.publicKey]);
  const copies: string[] = [];
  const table: Array<{ scenario: string; detected: boolean; findings: string }> = [];
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let trail: AuditTrail;
  let topicIndex: TopicIndex;
  let topicCheckpoints: FoundCheckpoint[];

  /** A copy of the source trail in a schema of its own (no trigger: the owner's view). */
  async function copyTrail(): Promise<string> {
    const copy = uniqueName('audit_tamper_copy');
    copies.push(copy);
    await dataSource.query(`CREATE SCHEMA "${copy}"`);
    await dataSource.query(
      `CREATE TABLE "${copy}".access_event (LIKE "${source}".access_event INCLUDING ALL)`,
    );
    await dataSource.query(
      `INSERT INTO "${copy}".access_event SELECT * FROM "${source}".access_event`,
    );
    return copy;
  }

  async function rows(schema: string): Promise<ChainRow[]> {
    const all: ChainRow[] = [];
    await walkTrail(dataSource, schema, (row) => {
      all.push(row);
    });
    return all;
  }

  /** Recomputes prev_hash and hash of every row from `fromSeq` on, as a careful forger would. */
  async function rechain(schema: string, fromSeq: number): Promise<void> {
    const all = await rows(schema);
    const seqs: number[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    let previous = all.find((row) => row.seq === fromSeq - 1)?.hash ?? '0'.repeat(64);
    for (const row of all.filter((candidate) => candidate.seq >= fromSeq)) {
      const hash = chainHash(row.content, previous);
      seqs.push(row.seq);
      prevs.push(previous);
      hashes.push(hash);
      previous = hash;
    }
    // prev_hash is unique: park the rewritten rows' prev_hash first, then set the new ones.
    await dataSource.query(
      `UPDATE "${schema}".access_event SET prev_hash = 'parked-' || seq WHERE seq >= $1`,
      [fromSeq],
    );
    await dataSource.query(
      `UPDATE "${schema}".access_event AS e SET prev_hash = n.prev, hash = n.hash
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS n(seq, prev, hash)
       WHERE e.seq = n.seq`,
      [seqs, prevs, hashes],
    );
  }

  /** Inserts a well-formed row (its own hash correct for its prev_hash) as a forger would. */
  async function forgeRow(schema: string, seq: number, prevHash: string): Promise<void> {
    const content = {
      accessId: randomUUID(),
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      actor: { userId: 'nobody-looked', role: 'gp', organisation: 'A81001' },
      nhsNumber: nextTestNhsNumber(),
      action: 'read-record',
      outcome: 'allowed',
      entriesShown: 3,
      breakGlass: null,
    };
    await dataSource.query(
      `INSERT INTO "${schema}".access_event
         (seq, access_id, occurred_at, actor, nhs_number, action, outcome, entries_shown,
          break_glass, prev_hash, hash)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, NULL, $9, $10)`,
      [
        seq,
        content.accessId,
        content.occurredAt,
        JSON.stringify(content.actor),
        content.nhsNumber,
        content.action,
        content.outcome,
        content.entriesShown,
        prevHash,
        chainHash(content, prevHash),
      ],
    );
  }

  /** Swaps two rows' places, through a free seq (seq is unique and positive at every step). */
  async function swap(schema: string, a: number, b: number): Promise<void> {
    await dataSource.query(`UPDATE "${schema}".access_event SET seq = 1000000 WHERE seq = $1`, [a]);
    await dataSource.query(`UPDATE "${schema}".access_event SET seq = $1 WHERE seq = $2`, [a, b]);
    await dataSource.query(`UPDATE "${schema}".access_event SET seq = $1 WHERE seq = 1000000`, [b]);
  }

  const hashOf = async (schema: string, seq: number): Promise<string> =>
    (
      await dataSource.query<Array<{ hash: string }>>(
        `SELECT hash FROM "${schema}".access_event WHERE seq = $1`,
        [seq],
      )
    )[0]?.hash ?? '';

  /** A copy of the checkpoint log for one scenario. */
  function copyLog(transform: (lines: string[]) => string[] = (lines) => lines): string {
    const file = join(dir, `${randomUUID()}.jsonl`);
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    writeFileSync(
      file,
      transform(lines)
        .map((line) => `${line}\n`)
        .join(''),
    );
    return file;
  }

  interface Evidence {
    topic?: TopicIndex;
    checkpoints?: FoundCheckpoint[];
    log?: string;
  }

  async function verifyCopy(schema: string, evidence: Evidence = {}): Promise<AuditReport> {
    const log = evidence.log ?? copyLog();
    return verifyAuditTrail(dataSource, {
      schema,
      trail: source,
      topic: evidence.topic ?? topicIndex,
      checkpoints: evidence.checkpoints ?? topicCheckpoints,
      usesLog: true,
      logCheckpoints: readCheckpointLog(log, source),
      trustedKeys: trusted,
      // Every row must be covered by a checkpoint: the trail was checkpointed at its head.
      checkpointMaxAgeMs: 0,
    });
  }

  const scenarios: Array<{
    name: string;
    tamper: (schema: string) => Promise<Evidence | void>;
  }> = [
    {
      name: 'edit a row in the middle (actor)',
      tamper: (s) =>
        dataSource.query(
          `UPDATE "${s}".access_event SET actor = jsonb_set(actor, '{userId}', '"someone-else"') WHERE seq = 2500`,
        ),
    },
    {
      name: 'edit the head row (outcome)',
      tamper: (s) =>
        dataSource.query(`UPDATE "${s}".access_event SET ${FLIP_OUTCOME} WHERE seq = ${ROWS}`),
    },
    {
      name: 'edit the first row (nhs number)',
      tamper: (s) =>
        dataSource.query(`UPDATE "${s}".access_event SET nhs_number = '9434765919' WHERE seq = 1`),
    },
    {
      name: 'move a time by 1 microsecond',
      tamper: (s) =>
        dataSource.query(
          `UPDATE "${s}".access_event SET occurred_at = occurred_at + interval '1 microsecond' WHERE seq = 1234`,
        ),
    },
    {
      name: 'edit a row and recompute its own hash only',
      tamper: async (s) => {
        const [row] = (await rows(s)).filter((candidate) => candidate.seq === 3000);
        if (!row) throw new Error('no row 3000');
        // One more than it was, so that the edit is one whatever the row held.
        const entriesShown = (row.content.entriesShown ?? 0) + 1;
        const content = { ...row.content, entriesShown };
        await dataSource.query(
          `UPDATE "${s}".access_event SET entries_shown = $2, hash = $1 WHERE seq = 3000`,
          [chainHash(content, row.prevHash), entriesShown],
        );
      },
    },
    {
      name: 'overwrite a hash column only',
      tamper: (s) =>
        dataSource.query(`UPDATE "${s}".access_event SET hash = repeat('a', 64) WHERE seq = 4000`),
    },
    {
      name: 'delete a row in the middle',
      tamper: (s) => dataSource.query(`DELETE FROM "${s}".access_event WHERE seq = 2500`),
    },
    {
      name: 'delete the first row',
      tamper: (s) => dataSource.query(`DELETE FROM "${s}".access_event WHERE seq = 1`),
    },
    {
      name: 'delete the head row',
      tamper: (s) => dataSource.query(`DELETE FROM "${s}".access_event WHERE seq = ${ROWS}`),
    },
    {
      name: 'delete the tail (last 5 rows)',
      tamper: (s) => dataSource.query(`DELETE FROM "${s}".access_event WHERE seq > ${ROWS - 5}`),
    },
    {
      name: 'delete a block of 100 rows in the middle',
      tamper: (s) =>
        dataSource.query(`DELETE FROM "${s}".access_event WHERE seq BETWEEN 2001 AND 2100`),
    },
    {
      name: 'delete every row',
      tamper: (s) => dataSource.query(`DELETE FROM "${s}".access_event`),
    },
    {
      name: 'reorder two rows in the middle (swap seqs)',
      tamper: (s) => swap(s, 2000, 2001),
    },
    {
      name: 'reorder the two rows at the head',
      tamper: (s) => swap(s, ROWS - 1, ROWS),
    },
    {
      name: 'edit a row and re-chain every later hash',
      tamper: async (s) => {
        await dataSource.query(`UPDATE "${s}".access_event SET ${FLIP_OUTCOME} WHERE seq = 2500`);
        await rechain(s, 2500);
      },
    },
    {
      name: 'delete a row, renumber the rest and re-chain',
      tamper: async (s) => {
        await dataSource.query(`DELETE FROM "${s}".access_event WHERE seq = 2500`);
        await dataSource.query(
          `UPDATE "${s}".access_event SET seq = seq - 1 + 1000000 WHERE seq > 2500`,
        );
        await dataSource.query(
          `UPDATE "${s}".access_event SET seq = seq - 1000000 WHERE seq > 1000000`,
        );
        await rechain(s, 2500);
      },
    },
    {
      name: "edit a break-glass row's stated reason",
      tamper: (s) =>
        dataSource.query(
          `UPDATE "${s}".access_event SET break_glass = jsonb_set(break_glass, '{reason}', '"routine"')
           WHERE seq = (SELECT min(seq) FROM "${s}".access_event WHERE action = 'break-glass')`,
        ),
    },
    {
      name: "edit a row's basis (to break-glass, or from it) and re-chain every later hash",
      tamper: async (s) => {
        await dataSource.query(
          `UPDATE "${s}".access_event
             SET basis = CASE basis WHEN 'break-glass' THEN 'care-relationship' ELSE 'break-glass' END
           WHERE seq = 1500`,
        );
        await rechain(s, 1500);
      },
    },
    {
      name: 'append a forged row with a correct hash',
      tamper: async (s) => forgeRow(s, ROWS + 1, await hashOf(s, ROWS)),
    },
    {
      name: 'insert a forged row in the middle, renumber and re-chain',
      tamper: async (s) => {
        await dataSource.query(
          `UPDATE "${s}".access_event SET seq = seq + 1 + 1000000 WHERE seq >= 2500`,
        );
        await dataSource.query(
          `UPDATE "${s}".access_event SET seq = seq - 1000000 WHERE seq > 1000000`,
        );
        await forgeRow(s, 2500, `forged-${randomUUID()}`);
        await rechain(s, 2500);
      },
    },
    {
      name: 'delete the tail and sign a checkpoint of it with a foreign key',
      tamper: async (s) => {
        await dataSource.query(`DELETE FROM "${s}".access_event WHERE seq > ${ROWS - 5}`);
        const forged = foreign.sign(
          { trail: source, count: ROWS - 5, headHash: await hashOf(s, ROWS - 5) },
          new Date(),
        );
        return {
          checkpoints: [...topicCheckpoints, { checkpoint: forged, where: 'forged' }],
        };
      },
    },
    {
      name: 'delete the tail; the record API then signs the shortened head with the real key',
      tamper: async (s) => {
        await dataSource.query(`DELETE FROM "${s}".access_event WHERE seq > ${ROWS - 5}`);
        const later = signer.sign(
          { trail: source, count: ROWS - 5, headHash: await hashOf(s, ROWS - 5) },
          new Date(Date.now() + 1000),
        );
        return { checkpoints: [...topicCheckpoints, { checkpoint: later, where: 'later' }] };
      },
    },
    {
      name: 'a checkpoint signed with the wrong key (trail untouched)',
      tamper: () => {
        const last = topicCheckpoints.at(-1)?.checkpoint;
        if (!last) throw new Error('no checkpoint');
        const forged = foreign.sign(last, new Date());
        return Promise.resolve({
          checkpoints: [...topicCheckpoints, { checkpoint: forged, where: 'forged' }],
        });
      },
    },
    {
      name: 'a checkpoint altered (count lowered, signature kept)',
      tamper: () =>
        Promise.resolve({
          checkpoints: topicCheckpoints.map((found, index) =>
            index === topicCheckpoints.length - 1
              ? { ...found, checkpoint: { ...found.checkpoint, count: ROWS - 5 } }
              : found,
          ),
        }),
    },
    {
      name: 'checkpoint log file deleted',
      tamper: () => Promise.resolve({ log: join(dir, 'deleted.jsonl') }),
    },
    {
      name: 'checkpoint log: last line removed',
      tamper: () => Promise.resolve({ log: copyLog((lines) => lines.slice(0, -1)) }),
    },
    {
      name: 'checkpoints topic lost (the log still holds them)',
      tamper: () => Promise.resolve({ checkpoints: [] }),
    },
    {
      name: 'every checkpoint lost (topic and log)',
      tamper: () => Promise.resolve({ checkpoints: [], log: copyLog(() => []) }),
    },
    {
      name: 'delete every row and the checkpoint log',
      tamper: async (s) => {
        await dataSource.query(`DELETE FROM "${s}".access_event`);
        return { log: join(dir, 'gone.jsonl') };
      },
    },
    {
      name: 'audit topic lost (trail untouched)',
      tamper: () =>
        Promise.resolve({
          topic: { bySeq: new Map(), conflicts: [], undecodable: [], messages: 0 },
        }),
    },
    {
      name: 'topic and table disagree: a forged message on the audit topic',
      tamper: async () => {
        // Publish a different row under seq 100 to the real topic, then read it again.
        const [row] = (await rows(source)).filter((candidate) => candidate.seq === 100);
        if (!row) throw new Error('no row 100');
        const forgedContent = {
          ...row.content,
          actor: { userId: 'someone-else', role: 'gp', organisation: 'A81001' },
        };
        const forgedFields = forgedContent as Parameters<typeof accessEventMessage>[0];
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({
          topic: eventsTopic,
          messages: [
            {
              key: row.content.accessId,
              value: loadAuditCodec().encode(
                'AccessEventRecorded',
                accessEventMessage(forgedFields, {
                  seq: 100,
                  prevHash: row.prevHash,
                  hash: chainHash(forgedContent, row.prevHash),
                }),
              ),
            },
          ],
        });
        await producer.disconnect();
        return { topic: await readAuditTopic(kafka, eventsTopic) };
      },
    },
  ];

  beforeAll(async () => {
    dataSource = auditDataSource({
      schema: source,
      applicationName: 'audit-tamper-test',
      poolSize: 12,
    });
    await dataSource.initialize();
    kafka = createKafka('audit-tamper-test');
    admin = kafka.admin();
    await admin.connect();
    await eventually(() =>
      ensureTopics(admin, [recordTopicSpec(eventsTopic), recordTopicSpec(checkpointsTopic, 1)]),
    );
    writeFileSync(keyFile, signer.publicKey.export({ type: 'spki', format: 'pem' }));
    trail = new AuditTrail(dataSource, kafka, { schema: source, topic: eventsTopic });
    await trail.migrate();
    const checkpointer = new AuditCheckpointer(dataSource, kafka, signer, {
      schema: source,
      topic: checkpointsTopic,
      logFile,
      intervalMs: 3_600_000,
    });
    // A real trail: every record goes through the chain's lock and onto the topic.
    for (let start = 0; start < ROWS; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, offset) => {
          const index = start + offset;
          const breakGlass = index % 97 === 0;
          return trail.record({
            accessId: randomUUID(),
            occurredAt: new Date(),
            actor: { userId: `user-${index % 40}`, role: 'gp', organisation: 'A81001' },
            nhsNumber: nextTestNhsNumber(),
            action: breakGlass ? 'break-glass' : (ACTIONS[index % ACTIONS.length] ?? 'read-record'),
            outcome: index % 11 === 0 ? 'denied' : 'allowed',
            entriesShown: breakGlass ? null : index % 30,
            breakGlass: breakGlass
              ? { reason: 'unconscious in ED', expiresAt: new Date(Date.now() + 3_600_000) }
              : null,
            // What let the reader in; published on the topic too (AccessEventRecorded v2).
            basis: breakGlass ? 'break-glass' : index % 11 === 0 ? null : 'care-relationship',
          });
        }),
      );
      if (start + 50 === ROWS / 2) await checkpointer.checkpoint();
    }
    await checkpointer.stop();
    [topicIndex, topicCheckpoints] = await Promise.all([
      readAuditTopic(kafka, eventsTopic),
      readCheckpointTopic(kafka, checkpointsTopic, source),
    ]);
  }, 600_000);

  afterAll(async () => {
    await trail.disconnect();
    await admin.deleteTopics({ topics: [eventsTopic, checkpointsTopic] }).catch(() => undefined);
    await admin.disconnect();
    for (const schema of [source, ...copies])
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(
      [
        '| # | scenario | detected | findings |',
        '| - | --- | --- | --- |',
        ...table.map(
          (row, index) =>
            `| ${index} | ${row.scenario} | ${index === 0 ? (row.detected ? 'FALSE ALARM' : 'no finding (right)') : row.detected ? 'yes' : 'NO'} | ${row.findings} |`,
        ),
        `detected ${table.slice(1).filter((row) => row.detected).length} of ${table.length - 1} tamperings; untouched copy: ${table[0]?.findings || 'no finding'}`,
        '',
      ].join('\n'),
    );
  });

  it('has a real trail of 5,000 rows, all on the topic, with two checkpoints', () => {
    expect(topicIndex.bySeq.size).toBe(ROWS);
    expect(topicCheckpoints.map((found) => found.checkpoint.count)).toEqual([ROWS / 2, ROWS]);
  });

  it('finds nothing wrong with an untouched copy', async () => {
    const report = await verifyCopy(await copyTrail());
    table.push({
      scenario: 'untouched copy (no false alarm)',
      detected: report.findings.length > 0,
      findings: report.findings.map((finding) => finding.kind).join(', '),
    });
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ rows: ROWS, topicRows: ROWS, validCheckpoints: 2 });
  });

  it('the audit:verify command exits 0 on the untouched trail and 1, naming the rows, on a tampered copy', async () => {
    const tampered = await copyTrail();
    await dataSource.query(`DELETE FROM "${tampered}".access_event WHERE seq > ${ROWS - 3}`);
    const run = (schema: string) =>
      new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const verifier = spawn(
          process.execPath,
          ['-r', '@swc-node/register', join(repoRoot, 'libs/audit/src/verify-main.ts')],
          {
            cwd: repoRoot,
            env: {
              ...process.env,
              CARELOG_AUDIT_SCHEMA: schema,
              CARELOG_AUDIT_TRAIL: source,
              CARELOG_AUDIT_TOPIC: eventsTopic,
              CARELOG_AUDIT_CHECKPOINTS_TOPIC: checkpointsTopic,
              CARELOG_AUDIT_CHECKPOINT_LOG: logFile,
              CARELOG_AUDIT_TRUSTED_KEYS: keyFile,
            },
          },
        );
        let output = '';
        verifier.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        verifier.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        verifier.on('error', reject);
        verifier.on('close', (code) => resolve({ code, output }));
      });
    const [good, bad] = await Promise.all([run(source), run(tampered)]);
    expect(good.output).toContain('audit trail intact: no findings');
    expect(good.code).toBe(0);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain(`FINDING row-not-in-trail: 3 rows`);
    expect(bad.output).toContain(`seq ${ROWS - 2}-${ROWS}`);
    expect(bad.output).toContain('FINDING trail-shorter-than-checkpoint');
  });

  it('detects every one of the tamperings', async () => {
    for (const scenario of scenarios) {
      const copy = await copyTrail();
      const evidence = (await scenario.tamper(copy)) ?? {};
      const report = await verifyCopy(copy, evidence);
      table.push({
        scenario: scenario.name,
        detected: report.findings.length > 0,
        findings: report.findings
          .map((finding) => `${finding.kind} (${finding.seqs ?? `${finding.count}`})`)
          .join('; '),
      });
    }
    expect(scenarios.length).toBeGreaterThanOrEqual(24);
    // The topic's copy of the basis names the edited row itself, not only the chain after it.
    expect(table.find((row) => row.scenario.startsWith("edit a row's basis"))?.findings).toContain(
      'row-basis-differs-from-topic (1500)',
    );
    expect(
      table
        .slice(1)
        .filter((row) => !row.detected)
        .map((row) => row.scenario),
    ).toEqual([]);
  }, 600_000);
});
