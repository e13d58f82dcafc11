import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import type { SourceDomain } from '@carelog/domain';
import {
  createKafka,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  recordEntryTopics,
} from '@carelog/kafka';
import {
  repoRoot,
  startService,
  waitForReady,
  type RunningService,
  serviceLog,
} from '@carelog/local-infra';
import { OWNER_ROLE, readModelDataSource } from '@carelog/read-model';
import { eventually, exampleEvent, testNhsNumber, uniqueName } from '@carelog/testing';
import type { Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';

const PATIENTS = 2000;

/** A realistic mix for one patient: routine visits, consultations, an amendment, a correction, a seal. */
function patientEvents(index: number): Array<[SourceDomain, UncheckedRecordEntryEvent]> {
  const nhsNumber = testNhsNumber(index * 13 + 1);
  const at = (minutes: number) => new Date(Date.UTC(2025, 0, 1) + index * 60_000 + minutes * 1000);
  const consultation = exampleEvent('ConsultationRecorded', { nhsNumber, recordedAt: at(2) });
  const result = exampleEvent('TestResultRecorded', { nhsNumber, recordedAt: at(3) });
  const events: Array<[SourceDomain, UncheckedRecordEntryEvent]> = [
    ['gp', exampleEvent('RegistrationStarted', { nhsNumber, recordedAt: at(1) })],
    ['gp', consultation],
    ['gp', result],
    ...Array.from({ length: 8 }, (_, visit): [SourceDomain, UncheckedRecordEntryEvent] => [
      'social-care',
      exampleEvent('CareVisitRecorded', {
        nhsNumber,
        recordedAt: at(10 + visit),
        organisation: '716',
      }),
    ]),
    [
      'gp',
      exampleEvent('ConsultationRecorded', {
        nhsNumber,
        recordedAt: at(30),
        occurredAt: consultation.occurredAt,
        supersedes: { eventId: consultation.eventId, reason: 'added examination findings' },
      }),
    ],
    [
      'patient',
      exampleEvent('EntrySealed', {
        nhsNumber,
        recordedAt: at(31),
        payload: {
          entryEventId: result.eventId,
          sealedFrom: { kind: 'organisation', value: '716' },
        },
      }),
    ],
  ];
  if (index % 10 === 0) {
    events.push([
      'gp',
      exampleEvent('EntryEnteredInError', {
        nhsNumber,
        recordedAt: at(40),
        payload: {
          entryEventId: result.eventId,
          entryType: 'TestResultRecorded',
          reason: 'wrong patient',
        },
      }),
    ]);
  }
  return events;
}

/**
 * Kills the projection process (SIGKILL) again and again while it works through a large
 * backlog, lets it finish, and compares what it built with a from-scratch rebuild.
 */
describe('the projection after repeated crashes', () => {
  const codec = loadEventCodec();
  const env = {
    CARELOG_TOPIC_PREFIX: uniqueName('recovery'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_recovery'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-recovery'),
  };
  const log = serviceLog('projection-recovery.e2e');
  const saved = { ...process.env };
  let admin: Admin;
  let control: DataSource;
  let total = 0;
  let projection: RunningService | undefined;

  const projected = async (version: number): Promise<number> => {
    const rows = await control.query<Array<{ done: string | null }>>(
      `SELECT sum(next_offset) AS done FROM "${env.CARELOG_READ_MODEL_SCHEMA}_v${version}".projection_checkpoint`,
    );
    return Number(rows[0]?.done ?? 0);
  };

  beforeAll(async () => {
    Object.assign(process.env, env);
    const kafka = createKafka('recovery-test');
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics());
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const byTopic = new Map<string, Array<{ key: string; value: Buffer }>>();
    for (let index = 0; index < PATIENTS; index++) {
      for (const [domain, event] of patientEvents(index)) {
        const topic = recordEntryTopic(domain);
        const messages = byTopic.get(topic) ?? [];
        messages.push({ key: event.patient.nhsNumber, value: codec.encode(event) });
        byTopic.set(topic, messages);
        total++;
      }
    }
    for (const [topic, messages] of byTopic) {
      for (let start = 0; start < messages.length; start += 2000) {
        await producer.send({ topic, acks: -1, messages: messages.slice(start, start + 2000) });
      }
    }
    await producer.disconnect();
    control = readModelDataSource({ applicationName: 'recovery-test', poolSize: 2 });
    await control.initialize();
  }, 300_000);

  afterAll(async () => {
    await projection?.stop();
    await admin.deleteTopics({ topics: recordEntryTopics() }).catch(() => undefined);
    await admin.disconnect();
    for (const schema of [
      env.CARELOG_READ_MODEL_SCHEMA,
      `${env.CARELOG_READ_MODEL_SCHEMA}_v1`,
      `${env.CARELOG_READ_MODEL_SCHEMA}_v2`,
    ]) {
      await control.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
    await control.destroy();
    process.env = saved;
  });

  it('loses and doubles nothing: the read model equals a from-scratch rebuild', async () => {
    let last = 0;
    for (let crash = 1; crash <= 3; crash++) {
      projection = startService({ name: 'projection', port: 4210, env, onOutput: log });
      await waitForReady(projection);
      // Kill as soon as it has moved on: it is then in the middle of its backlog, mid-batch or between.
      await eventually(async () => expect(await projected(1)).toBeGreaterThan(last), {
        timeoutMs: 120_000,
        intervalMs: 20,
      });
      await projection.kill();
      last = await projected(1);
      log(`crash ${crash}: killed with ${last} of ${total} events projected`);
      expect(last).toBeLessThan(total);
    }
    projection = startService({ name: 'projection', port: 4210, env, onOutput: log });
    await waitForReady(projection);
    await eventually(async () => expect(await projected(1)).toBe(total), {
      timeoutMs: 240_000,
      intervalMs: 200,
    });

    // As a developer runs `npm run projection:rebuild` beside `npm start`: DATABASE_URL is the
    // local superuser's, and tools/rebuild.ts puts the rebuild on its own role (its DDL as the
    // owner), as a deployment does; as the superuser, the projection could not follow below.
    expect(process.env['DATABASE_URL']).toBeDefined();
    const rebuild = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(repoRoot, 'tools/rebuild.ts')],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    );
    let output = '';
    rebuild.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => rebuild.on('exit', resolve));
    expect(code).toBe(0);
    expect(output).toContain(`100.0% ${total}/${total} events`);
    expect(output).toContain('rebuilt read-model version 2');
    const owner = await control.query<Array<{ owner: string }>>(
      'SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1',
      [`${env.CARELOG_READ_MODEL_SCHEMA}_v2`],
    );
    expect(owner[0]?.owner).toBe(OWNER_ROLE);

    const digest = async (schema: string, table: string, key: string) =>
      (
        await control.query<Array<{ digest: string }>>(
          `SELECT md5(string_agg(t::text, '|' ORDER BY ${key})) AS digest FROM "${schema}"."${table}" t`,
        )
      )[0]?.digest;
    for (const [table, key] of [
      ['record_entry', 'event_id'],
      ['entry_version', 'event_id'],
      ['care_relationship', 'started_by_event_id'],
      ['consent_state', 'nhs_number, subject'],
      // withheld counts come from it: the rebuilt summary is the live one, row for row.
      [
        'record_summary',
        'nhs_number, entry_type, sensitivity, attention_role, attention_organisation, organisation, rule_payload::text',
      ],
    ] as const) {
      const crashed = await digest(`${env.CARELOG_READ_MODEL_SCHEMA}_v1`, table, key);
      expect(crashed).toBeDefined();
      expect(await digest(`${env.CARELOG_READ_MODEL_SCHEMA}_v2`, table, key)).toBe(crashed);
    }
    const counts = await control.query<Array<{ versions: string; entries: string }>>(
      `SELECT (SELECT count(*) FROM "${env.CARELOG_READ_MODEL_SCHEMA}_v2".entry_version) AS versions,
              (SELECT count(*) FROM "${env.CARELOG_READ_MODEL_SCHEMA}".record_entry) AS entries`,
    );
    expect(Number(counts[0]?.versions)).toBe(total);
    // The serving views now read version 2: one entry per patient per recorded entry, amendments folded in.
    expect(Number(counts[0]?.entries)).toBe(PATIENTS * 11);

    // The running projection follows the switch: a new entry lands in version 2.
    const producer = createKafka('recovery-test-after-switch').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const late = exampleEvent('ReferralMade', { nhsNumber: testNhsNumber(7) });
    await producer.send({
      topic: recordEntryTopic('gp'),
      acks: -1,
      messages: [{ key: late.patient.nhsNumber, value: codec.encode(late) }],
    });
    await producer.disconnect();
    await eventually(
      async () => {
        const rows = await control.query<unknown[]>(
          `SELECT 1 FROM "${env.CARELOG_READ_MODEL_SCHEMA}_v2".record_entry WHERE event_id = $1`,
          [late.eventId],
        );
        expect(rows).toHaveLength(1);
      },
      { timeoutMs: 60_000 },
    );
  }, 600_000);
});
