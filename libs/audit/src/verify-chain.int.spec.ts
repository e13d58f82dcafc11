import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createKafka, ensureTopics, recordTopicSpec } from '@carelog/kafka';
import { eventually, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { auditDataSource } from './audit-data-source';
import { AuditTrail } from './audit-trail';
import { CheckpointSigner } from './checkpoint';
import { AuditCheckpointer } from './checkpointer';
import { verifyAuditChain } from './verify-chain';

const repoRoot = join(__dirname, '../../..');

/**
 * Runs `npm run audit:verify`'s command against one schema and the test's audit topic (no
 * checkpoints: the rows are younger than the checkpoint interval); resolves with its exit
 * code and output.
 */
function runVerifier(
  schema: string,
  topic: string,
): Promise<{ code: number | null; output: string }> {
  const verifier = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(repoRoot, 'libs/audit/src/verify-main.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        CARELOG_AUDIT_SCHEMA: schema,
        CARELOG_AUDIT_TOPIC: topic,
        CARELOG_AUDIT_CHECKPOINTS_TOPIC: `${topic}-checkpoints`,
        CARELOG_AUDIT_CHECKPOINT_LOG: 'off',
      },
    },
  );
  let output = '';
  verifier.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  verifier.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    verifier.on('error', reject);
    verifier.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Tampering as someone with the rights to bypass the append-only trigger would: each test
 * has a fresh chain of five rows in a schema of its own, changes it behind the trail's back,
 * and expects verification to name what was done and where.
 */
describe('verifying the audit chain', () => {
  const topic = uniqueName('audit-verify-topic');
  const extraTopics: string[] = [];
  const schemas: string[] = [];
  const dataSources: DataSource[] = [];
  const trails: AuditTrail[] = [];
  let kafka: Kafka;
  let admin: Admin;

  /** A new schema holding a chain of `rows` access events. */
  async function freshChain(
    rows = 5,
    chainTopic = topic,
  ): Promise<{ schema: string; dataSource: DataSource }> {
    const schema = uniqueName('audit_verify');
    const dataSource = auditDataSource({
      schema,
      applicationName: 'audit-verify-test',
      poolSize: 2,
    });
    schemas.push(schema);
    dataSources.push(await dataSource.initialize());
    const trail = new AuditTrail(dataSource, kafka, { schema, topic: chainTopic });
    trails.push(trail);
    await trail.migrate();
    for (let index = 0; index < rows; index++) {
      await trail.record({
        accessId: randomUUID(),
        occurredAt: new Date(),
        actor: { userId: `user-${index}`, role: 'gp', organisation: 'A81001' },
        nhsNumber: nextTestNhsNumber(),
        action: 'read-record',
        outcome: 'allowed',
        entriesShown: index,
        breakGlass: null,
      });
    }
    return { schema, dataSource };
  }

  /** Runs `statements` with the append-only trigger switched off, as a database owner could. */
  async function tamper(dataSource: DataSource, schema: string, ...statements: string[]) {
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `ALTER TABLE "${schema}".access_event DISABLE TRIGGER access_event_append_only`,
      );
      for (const statement of statements) await manager.query(statement);
      await manager.query(
        `ALTER TABLE "${schema}".access_event ENABLE TRIGGER access_event_append_only`,
      );
    });
  }

  beforeAll(async () => {
    kafka = createKafka('audit-verify-test');
    admin = kafka.admin();
    await admin.connect();
    // A broker that has only just started can fail topic creation's wait for leaders. The
    // trail retries on its next call, but a test's first record should not be that call.
    await eventually(() => ensureTopics(admin, [recordTopicSpec(topic)]));
  });

  afterAll(async () => {
    for (const trail of trails) await trail.disconnect();
    await admin.deleteTopics({ topics: [topic, ...extraTopics] }).catch(() => undefined);
    await admin.disconnect();
    for (const [index, dataSource] of dataSources.entries()) {
      await dataSource.query(`DROP SCHEMA "${schemas[index]}" CASCADE`);
      await dataSource.destroy();
    }
  });

  it('finds an untouched chain intact', async () => {
    const { schema, dataSource } = await freshChain();
    expect(await verifyAuditChain(dataSource, { schema })).toEqual({ ok: true, rows: 5 });
  });

  it('finds an empty trail intact', async () => {
    const { schema, dataSource } = await freshChain(0);
    expect(await verifyAuditChain(dataSource, { schema })).toEqual({ ok: true, rows: 0 });
  });

  it("reports a row whose actor was changed as edited, at that row's seq", async () => {
    const { schema, dataSource } = await freshChain();
    await tamper(
      dataSource,
      schema,
      `UPDATE "${schema}".access_event
       SET actor = jsonb_set(actor, '{userId}', '"someone-else"') WHERE seq = 3`,
    );
    expect(await verifyAuditChain(dataSource, { schema })).toMatchObject({
      ok: false,
      seq: 3,
      problem: 'edited',
    });
  });

  it('reports a time moved by less than a millisecond as edited', async () => {
    const { schema, dataSource } = await freshChain();
    await tamper(
      dataSource,
      schema,
      `UPDATE "${schema}".access_event
       SET occurred_at = occurred_at + interval '1 microsecond' WHERE seq = 4`,
    );
    expect(await verifyAuditChain(dataSource, { schema })).toMatchObject({
      ok: false,
      seq: 4,
      problem: 'edited',
    });
  });

  it('reports a row removed from the middle as deleted, at the missing seq', async () => {
    const { schema, dataSource } = await freshChain();
    await tamper(dataSource, schema, `DELETE FROM "${schema}".access_event WHERE seq = 3`);
    expect(await verifyAuditChain(dataSource, { schema })).toMatchObject({
      ok: false,
      seq: 3,
      problem: 'deleted',
    });
  });

  it('reports two rows whose seqs were swapped as reordered', async () => {
    const { schema, dataSource } = await freshChain();
    // Through a free value: seq is unique at every step.
    await tamper(
      dataSource,
      schema,
      `UPDATE "${schema}".access_event SET seq = 1000 WHERE seq = 2`,
      `UPDATE "${schema}".access_event SET seq = 2 WHERE seq = 4`,
      `UPDATE "${schema}".access_event SET seq = 4 WHERE seq = 1000`,
    );
    expect(await verifyAuditChain(dataSource, { schema })).toMatchObject({
      ok: false,
      seq: 2,
      problem: 'reordered',
    });
  });

  it('checkpoints made by two record APIs while rows are appended never count fewer rows than an earlier one', async () => {
    const { schema, dataSource } = await freshChain(0);
    const trail = new AuditTrail(dataSource, kafka, { schema, topic });
    trails.push(trail);
    const checkpointsTopic = uniqueName('audit-verify-checkpoints');
    extraTopics.push(checkpointsTopic);
    await eventually(() => ensureTopics(admin, [recordTopicSpec(checkpointsTopic, 1)]));
    const signer = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
    const instances = [0, 1].map(
      () =>
        new AuditCheckpointer(dataSource, kafka, signer, {
          schema,
          topic: checkpointsTopic,
          logFile: null,
        }),
    );
    const appends = Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        trail.record({
          accessId: randomUUID(),
          occurredAt: new Date(),
          actor: { userId: `user-${index}`, role: 'gp', organisation: 'A81001' },
          nhsNumber: nextTestNhsNumber(),
          action: 'read-record',
          outcome: 'allowed',
          entriesShown: index,
          breakGlass: null,
        }),
      ),
    );
    const signed = await Promise.all(
      instances.flatMap((instance) => Array.from({ length: 6 }, () => instance.checkpoint())),
    );
    await appends;
    for (const instance of instances) signed.push(await instance.stop());
    const counts = signed
      .sort((a, b) => a.signedAt.getTime() - b.signedAt.getTime())
      .map((checkpoint) => checkpoint.count);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(30);
  });

  it('the audit:verify command exits 0 on an intact trail and 1 naming the row on a tampered one', async () => {
    // A topic each: the verifier compares one trail with one topic.
    const topics = [uniqueName('audit-verify-intact'), uniqueName('audit-verify-tampered')];
    await eventually(() =>
      ensureTopics(
        admin,
        topics.map((name) => recordTopicSpec(name)),
      ),
    );
    const [intactTopic = '', tamperedTopic = ''] = topics;
    extraTopics.push(...topics);
    const intact = await freshChain(5, intactTopic);
    const tampered = await freshChain(5, tamperedTopic);
    await tamper(
      tampered.dataSource,
      tampered.schema,
      `UPDATE "${tampered.schema}".access_event SET outcome = 'denied' WHERE seq = 2`,
    );
    const [good, bad] = await Promise.all([
      runVerifier(intact.schema, intactTopic),
      runVerifier(tampered.schema, tamperedTopic),
    ]);
    expect(good.output).toContain('5 rows, 5 on the audit topic');
    expect(good.output).toContain('audit trail intact: no findings');
    expect(good.code).toBe(0);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('FINDING row-edited: 1 row');
    expect(bad.output).toContain('seq 2');
  });
});
