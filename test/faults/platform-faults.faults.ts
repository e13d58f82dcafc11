import { randomInt } from 'node:crypto';
import { recordEntryTopics, recordTopicSpec, ensureTopics } from '@carelog/kafka';
import {
  serviceLog,
  startLocalPostgres,
  stopLocalPostgres,
  waitForReady,
  type RunningService,
} from '@carelog/local-infra';
import { eventually } from '@carelog/testing';
import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { killNode, startNode, startProfileInstance } from '@carelog/local-infra/production';
import {
  activeVersion,
  checkpointLag,
  clusterAdmin,
  database,
  entriesRecordedTwice,
  GP_TOPIC,
  gpTopicState,
  Ingest,
  projectedCopies,
  R1_ENTRIES,
  readGpTopic,
  rebuildReadModel,
  recordFigures,
  type Acknowledged,
} from './fault-harness';

/**
 * The production profile under faults (issue #18, R1, R3, R4, R5): entries posted through the
 * GP producer as a client would (retrying with the same Idempotency-Key until acknowledged)
 * while brokers, Postgres and consumer instances are killed. Each scenario prints its figures
 * and writes them to test/faults/results.md.
 */
/** Patients posted to at once in R1: each takes its entries in turn (200 each at 100,000). */
const PATIENTS = Math.min(500, Math.max(10, Math.round(R1_ENTRIES / 200)));
/** Entries acknowledged with the broker down before it is restarted. */
const WHILE_DOWN = Math.min(500, Math.floor(R1_ENTRIES / 10));
/** Waits for `condition`, failing at once if the ingest it depends on fails. */
const whileIngesting = <T>(ingesting: Promise<void>, condition: Promise<T>): Promise<T> =>
  Promise.race([condition, ingesting.then(() => condition)]);
const seconds = (fromMs: number) => Math.round((Date.now() - fromMs) / 100) / 10;

describe('the production profile under faults', () => {
  const log = serviceLog('faults');
  const running = new Map<string, RunningService>();
  let admin: Admin;
  let db: Pool;
  const runId = `faults-${Date.now()}`;
  // A different range of patients each run, so figures count only this run's entries.
  let seedBase = randomInt(1_000, 90_000_000);
  const gp = () => {
    const service = running.get('gp-records#1');
    if (!service) throw new Error('gp-records is not running');
    return service;
  };

  /** The read-model versions each projection instance has said it feeds, by instance. */
  const fedVersions = new Map<string, number[]>();
  const start = async (name: 'gp-records' | 'projection' | 'notifications', instance: number) => {
    const key = `${name}#${instance}`;
    const service = startProfileInstance(name, instance, {
      onOutput: (line) => {
        log(line);
        const fed = /projecting into read-model version (\d+)/.exec(line)?.[1];
        if (fed) fedVersions.set(key, [...(fedVersions.get(key) ?? []), Number(fed)]);
      },
    });
    running.set(key, service);
    await waitForReady(service, 240_000);
    return service;
  };

  /** Every acknowledged entry is in the read model, once; returns the figures. */
  const projectedFigures = async (acknowledged: readonly Acknowledged[]) => {
    const { schema } = await activeVersion(db);
    const copies = await projectedCopies(
      db,
      schema,
      acknowledged.map((entry) => entry.eventId),
    );
    return {
      projected: copies.size,
      missing: acknowledged.filter((entry) => !copies.has(entry.eventId)).length,
      doubled: [...copies.values()].filter((count) => count > 1).length,
    };
  };

  const waitProjected = async (acknowledged: readonly Acknowledged[], timeoutMs: number) =>
    eventually(
      async () => {
        const figures = await projectedFigures(acknowledged);
        expect(figures.missing).toBe(0);
        return figures;
      },
      { timeoutMs, intervalMs: 2000 },
    );

  beforeAll(async () => {
    admin = await clusterAdmin();
    db = await database();
    await start('projection', 1);
    await start('projection', 2);
    await Promise.all([
      start('notifications', 1),
      start('notifications', 2),
      start('gp-records', 1),
    ]);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([...running.values()].map((service) => service.stop()));
    await admin?.disconnect();
    await db?.end();
  });

  it(
    'R1: loses and doubles no acknowledged entry while the partition leader is killed three times',
    async () => {
      const perPatient = Math.ceil(R1_ENTRIES / PATIENTS);
      const ingest = new Ingest(gp, runId, log);
      const started = Date.now();
      const ingesting = ingest.run({
        seedBase,
        patients: PATIENTS,
        perPatient,
        concurrency: Math.min(PATIENTS, 48),
      });
      const kills: Array<{
        broker: number;
        fencedS: number;
        downS: number;
        ackedWhileDown: number;
        backInSyncS: number;
      }> = [];
      for (let kill = 1; kill <= 3; kill++) {
        // Spread over the run: at a quarter, half and three quarters of the entries.
        await whileIngesting(
          ingesting,
          eventually(
            () => expect(ingest.figures.acknowledged).toBeGreaterThan((R1_ENTRIES * kill) / 4),
            {
              timeoutMs: 30 * 60_000,
              intervalMs: 250,
            },
          ),
        );
        const { leaderOf0 } = await gpTopicState();
        expect(leaderOf0).toBeGreaterThan(0);
        const killedAt = Date.now();
        await killNode(leaderOf0);
        const ackedAtKill = ingest.figures.acknowledged;
        // The cluster has noticed: the killed broker is out of the in-sync set (fenced).
        await eventually(
          async () => expect((await gpTopicState()).inSyncEverywhere).not.toContain(leaderOf0),
          { timeoutMs: 2 * 60_000, intervalMs: 500 },
        );
        const fencedS = seconds(killedAt);
        // Writes go on with two of three in sync (min.insync.replicas 2): wait for some, then restart.
        await whileIngesting(
          ingesting,
          eventually(
            () =>
              expect(ingest.figures.acknowledged).toBeGreaterThanOrEqual(
                Math.min(ackedAtKill + WHILE_DOWN, PATIENTS * (perPatient + 1)),
              ),
            {
              timeoutMs: 5 * 60_000,
              intervalMs: 100,
            },
          ),
        );
        const ackedWhileDown = ingest.figures.acknowledged - ackedAtKill;
        const downS = seconds(killedAt);
        const restartedAt = Date.now();
        await startNode(leaderOf0);
        // Back: the restarted broker has caught up and is in sync for every partition again.
        await eventually(async () => expect((await gpTopicState()).fullyInSync).toBe(true), {
          timeoutMs: 5 * 60_000,
          intervalMs: 500,
        });
        kills.push({
          broker: leaderOf0,
          fencedS,
          downS,
          ackedWhileDown,
          backInSyncS: seconds(restartedAt),
        });
        log(
          `R1 kill ${kill}: broker ${leaderOf0} down ${downS}s, ${ackedWhileDown} acknowledged meanwhile`,
        );
      }
      await ingesting;
      const ingestS = seconds(started);
      const acknowledged = ingest.acknowledged;
      const logContents = await readGpTopic();
      const lostFromLog = acknowledged.filter(
        (entry) => !logContents.copies.has(entry.eventId),
      ).length;
      // A request answered 503 may still have been written; the client's retry with the same
      // Idempotency-Key then writes the same event (same event id) again. Consumers skip such a
      // copy by its id, so it records nothing twice; it is counted, not refused.
      const resentInLog = acknowledged.filter(
        (entry) => (logContents.copies.get(entry.eventId) ?? 0) > 1,
      ).length;
      const outOfOrder = [...logContents.order.values()].filter((seqs) =>
        seqs.some((seq, index) => index > 0 && seq <= (seqs[index - 1] ?? 0)),
      ).length;
      const projectedAt = Date.now();
      const projected = await waitProjected(acknowledged, 30 * 60_000);
      const projectS = seconds(projectedAt);
      const recordedTwice = await entriesRecordedTwice(
        db,
        (await activeVersion(db)).schema,
        acknowledged,
      );

      // The read model the projection built through all this equals one rebuilt from offset 0.
      const before = await activeVersion(db);
      const rebuiltAt = Date.now();
      const rebuild = await rebuildReadModel();
      const rebuildS = seconds(rebuiltAt);
      expect(rebuild.code).toBe(0);
      const after = await activeVersion(db);
      expect(after.schema).not.toBe(before.schema);
      // Both projection instances let the old version go and feed the new one (ci30: the second
      // froze in kafkajs while stopping its old consumer, and R4 then found nothing projecting).
      const switchedAt = Date.now();
      const following = await eventually(
        () => {
          const unfollowed = ['projection#1', 'projection#2'].filter(
            (instance) => !fedVersions.get(instance)?.includes(after.version),
          );
          expect(unfollowed).toEqual([]);
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      ).then(
        () => `both, within ${seconds(switchedAt)} s`,
        (error: unknown) => `no: ${(error as Error).message.split('\n').join(' ')}`,
      );
      const digest = async (schema: string, table: string, key: string) =>
        (
          await db.query<{ digest: string }>(
            `SELECT md5(string_agg(t::text, '|' ORDER BY ${key})) AS digest FROM "${schema}"."${table}" t`,
          )
        ).rows[0]?.digest;
      const differing: string[] = [];
      for (const [table, key] of [
        ['record_entry', 'event_id'],
        ['entry_version', 'event_id'],
        ['care_relationship', 'started_by_event_id'],
      ] as const)
        if ((await digest(before.schema, table, key)) !== (await digest(after.schema, table, key)))
          differing.push(table);

      recordFigures('R1 broker leader killed three times', {
        'entries to post': PATIENTS * perPatient,
        'requests (with retries)': ingest.figures.posted,
        'retried requests': ingest.figures.retried,
        'refusals on the way (retried)': JSON.stringify(ingest.figures.refused),
        acknowledged: acknowledged.length,
        'in the log': acknowledged.length - lostFromLog,
        projected: projected.projected,
        lost: lostFromLog + projected.missing,
        'entries recorded twice (a second event id for one entry)': recordedTwice,
        'duplicated in the read model': projected.doubled,
        'events with a re-sent copy in the log (same event id, skipped by consumers)': resentInLog,
        'patients out of order': outOfOrder,
        kills: kills
          .map(
            (k) =>
              `broker ${k.broker}: out of sync ${k.fencedS}s after the kill, down ${k.downS}s (${k.ackedWhileDown} acknowledged meanwhile), back in sync ${k.backInSyncS}s after restart`,
          )
          .join('; '),
        'ingest seconds': ingestS,
        'projection caught up, seconds after ingest': projectS,
        'rebuild seconds': rebuildS,
        'read model equals a rebuild':
          differing.length === 0 ? 'yes' : `no: ${differing.join(', ')}`,
        'projection instances feeding the rebuilt version': following,
      });
      expect(acknowledged).toHaveLength(PATIENTS * perPatient);
      expect(lostFromLog).toBe(0);
      expect(recordedTwice).toBe(0);
      expect(outOfOrder).toBe(0);
      expect(projected.missing).toBe(0);
      expect(projected.doubled).toBe(0);
      expect(differing).toEqual([]);
      expect(following).toMatch(/^both/);
    },
    60 * 60_000,
  );

  it(
    'R3: loses nothing when Postgres stops during ingest, and the projection resumes by itself',
    async () => {
      seedBase += PATIENTS * 7 + 1;
      const ingest = new Ingest(gp, `${runId}-r3`, log);
      const entries = Math.max(200, Math.round(R1_ENTRIES / 20));
      const ingesting = ingest.run({
        seedBase,
        patients: 20,
        perPatient: Math.ceil(entries / 20),
        concurrency: 16,
      });
      await whileIngesting(
        ingesting,
        eventually(() => expect(ingest.figures.acknowledged).toBeGreaterThan(entries / 4), {
          timeoutMs: 10 * 60_000,
          intervalMs: 250,
        }),
      );
      const stoppedAt = Date.now();
      await stopLocalPostgres();
      // The producer says it is not ready, and why.
      const notReady = await eventually(
        async () => {
          const response = await fetch(`${gp().baseUrl}/health/ready`);
          expect(response.status).toBe(503);
          return (await response.json()) as { checks: Record<string, boolean> };
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(notReady.checks['postgres']).toBe(false);
      const ackedWhileDown = ingest.figures.acknowledged;
      await startLocalPostgres(log);
      const downS = seconds(stoppedAt);
      const restartedAt = Date.now();
      await ingesting;
      const projected = await waitProjected(ingest.acknowledged, 10 * 60_000);
      recordFigures('R3 Postgres stopped during ingest', {
        'entries to post': entries,
        acknowledged: ingest.acknowledged.length,
        'acknowledged before the stop': ackedWhileDown,
        'refusals on the way (retried)': JSON.stringify(ingest.figures.refused),
        projected: projected.projected,
        lost: projected.missing,
        'duplicated in the read model': projected.doubled,
        'Postgres down, seconds': downS,
        'all projected, seconds after restart': seconds(restartedAt),
      });
      expect(projected.missing).toBe(0);
    },
    30 * 60_000,
  );

  it(
    'R4: one of two projection and notifications instances killed: the other takes over, lag back to 0',
    async () => {
      seedBase += 20 * 7 + 1;
      const ingest = new Ingest(gp, `${runId}-r4`, log);
      const entries = Math.max(200, Math.round(R1_ENTRIES / 20));
      const ingesting = ingest.run({
        seedBase,
        patients: 20,
        perPatient: Math.ceil(entries / 20),
        concurrency: 16,
      });
      await whileIngesting(
        ingesting,
        eventually(() => expect(ingest.figures.acknowledged).toBeGreaterThan(entries / 4), {
          timeoutMs: 10 * 60_000,
          intervalMs: 250,
        }),
      );
      const killedAt = Date.now();
      await Promise.all([
        running.get('projection#1')?.kill(),
        running.get('notifications#1')?.kill(),
      ]);
      await ingesting;
      const { group } = await activeVersion(db);
      const projected = await waitProjected(ingest.acknowledged, 10 * 60_000);
      await eventually(
        async () =>
          expect(
            await checkpointLag(
              db,
              admin,
              `read_model_v${group.split('-v').at(-1)}.projection_checkpoint`,
              group,
              recordEntryTopics(),
            ),
          ).toBe(0),
        { timeoutMs: 10 * 60_000, intervalMs: 1000 },
      );
      const projectionRecoveredS = seconds(killedAt);
      await eventually(
        async () =>
          expect(
            await checkpointLag(
              db,
              admin,
              'notifications.consumer_checkpoint',
              'carelog.notifications',
              recordEntryTopics(),
            ),
          ).toBe(0),
        { timeoutMs: 10 * 60_000, intervalMs: 1000 },
      );
      const notificationsRecoveredS = seconds(killedAt);
      const survivor = running.get('projection#2');
      expect(survivor && (await fetch(`${survivor.baseUrl}/health/ready`)).status).toBe(200);
      recordFigures('R4 one of two consumer instances killed', {
        'entries to post': entries,
        acknowledged: ingest.acknowledged.length,
        projected: projected.projected,
        lost: projected.missing,
        'duplicated in the read model': projected.doubled,
        'projection lag 0, seconds after the kill': projectionRecoveredS,
        'notifications lag 0, seconds after the kill': notificationsRecoveredS,
      });
      expect(projected.missing).toBe(0);
      expect(projected.doubled).toBe(0);
      await Promise.all([start('projection', 1), start('notifications', 1)]);
    },
    30 * 60_000,
  );

  it(
    'R5: a topic deleted by mistake: clear refusals, readiness says so, nothing acknowledged falsely',
    async () => {
      seedBase += 20 * 7 + 1;
      await admin.deleteTopics({ topics: [GP_TOPIC], timeout: 60_000 });
      const deletedAt = Date.now();
      const notReady = await eventually(
        async () => {
          const response = await fetch(`${gp().baseUrl}/health/ready`);
          expect(response.status).toBe(503);
          return (await response.json()) as { checks: Record<string, boolean> };
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(notReady.checks['kafka-topic']).toBe(false);
      expect(notReady.checks['kafka']).toBe(true);
      // The producer may not create the topic again (ACLs): every entry is refused, none acknowledged.
      const attempts: number[] = [];
      const { mintLocalSystemToken } = await import('@carelog/auth');
      const system = await mintLocalSystemToken({
        organisation: 'A81001',
        entryTypes: ['RegistrationStarted'],
      });
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${gp().baseUrl}/v1/entries`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${system}`,
            'content-type': 'application/json',
            'idempotency-key': `${runId}-r5-${i}`,
          },
          body: JSON.stringify({
            patient: {
              nhsNumber: (await import('@carelog/testing')).testNhsNumber(seedBase + i * 7),
            },
            type: 'RegistrationStarted',
            occurredAt: '2026-01-05T09:00:00Z',
            payload: { registrationType: 'permanent' },
          }),
        });
        attempts.push(response.status);
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
      }
      const readinessS = seconds(deletedAt);
      // The operator restores the topic (as the admin); the producer is ready again by itself.
      await ensureTopics(admin, [recordTopicSpec(GP_TOPIC)]);
      const restoredAt = Date.now();
      await eventually(
        async () => expect((await fetch(`${gp().baseUrl}/health/ready`)).status).toBe(200),
        {
          timeoutMs: 120_000,
          intervalMs: 500,
        },
      );
      const readyAgainS = seconds(restoredAt);
      // Entries posted to the restored topic are acknowledged and reach the read model (the
      // consumers' checkpoints were beyond the new, empty log: they start it from its beginning).
      const after = new Ingest(gp, `${runId}-r5`, log);
      await after.run({ seedBase: seedBase + 1_000, patients: 4, perPatient: 5, concurrency: 4 });
      const projected = await waitProjected(after.acknowledged, 5 * 60_000);
      recordFigures('R5 record-entry topic deleted by mistake', {
        'answers while deleted': attempts.join(', '),
        'acknowledged while deleted': attempts.filter((status) => status === 202).length,
        'readiness after deletion': JSON.stringify(notReady.checks),
        'seconds from deletion to refusals checked': readinessS,
        'ready again, seconds after the topic was restored': readyAgainS,
        'entries posted after the restore, acknowledged': after.acknowledged.length,
        'of those, projected': projected.projected,
      });
      expect(projected.missing).toBe(0);
    },
    10 * 60_000,
  );
});
