import { randomUUID } from 'node:crypto';
import { mintLocalToken } from '@carelog/auth';
import { loadEventCodec } from '@carelog/codec';
import {
  createKafka,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  recordEntryTopics,
} from '@carelog/kafka';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { migrateReadModel, readModelDataSource } from '@carelog/read-model';
import {
  eventually,
  exampleEvent,
  openEventStream,
  requestJson,
  startWebhookReceiver,
  testNhsNumber,
  uniqueName,
  type WebhookReceiver,
} from '@carelog/testing';
import type { Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';

const PATIENTS = 60;
const PORT = 4505;

/**
 * The notifications service as a process, SIGKILLed twice: once as soon as its consumer has
 * stored a first batch, and once while webhook deliveries are in flight (sent, not yet
 * answered); restarted each time. Every notification reaches every subscriber; nothing is
 * lost and nothing is stored twice.
 */
describe('notifications across crashes while reading and while delivering', () => {
  const codec = loadEventCodec();
  const suffix = randomUUID().slice(0, 6).toUpperCase();
  const careHome = `CH${suffix}`;
  const env = {
    CARELOG_TOPIC_PREFIX: uniqueName('notify-restart'),
    CARELOG_NOTIFICATIONS_GROUP: uniqueName('notifications-restart'),
    CARELOG_NOTIFICATIONS_SCHEMA: uniqueName('notifications_restart'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_notify_restart'),
    CARELOG_WEBHOOK_TIMEOUT_MS: '1000',
    CARELOG_WEBHOOK_BASE_DELAY_MS: '200',
    CARELOG_WEBHOOK_POLL_MS: '100',
    CARELOG_WEBHOOK_BATCH: '5',
    /** The receiver's address and port, once it listens: loopback is refused unless allowed. */
    CARELOG_WEBHOOK_ALLOWED_DESTINATIONS: '',
  };
  const saved = { ...process.env };
  const log = serviceLog('notifications-restart.e2e');
  const workers = ['sw-1', 'sw-2', 'sw-3'].map((name) => `${name}-${suffix}`);
  let admin: Admin;
  let db: DataSource;
  let receiver: WebhookReceiver;
  let service: RunningService | undefined;

  const count = async (sql: string): Promise<number> =>
    Number((await db.query<Array<{ n: string }>>(sql))[0]?.n ?? 0);
  const schema = `"${env.CARELOG_NOTIFICATIONS_SCHEMA}"`;

  beforeAll(async () => {
    Object.assign(process.env, env);
    admin = createKafka('notifications-restart-test').admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics());
    db = readModelDataSource({ applicationName: 'notifications-restart-test', poolSize: 2 });
    await db.initialize();
    await migrateReadModel(db);
    for (let index = 0; index < PATIENTS; index++) {
      await db.query(
        `INSERT INTO care_relationship (started_by_event_id, nhs_number, organisation, kind, started_at)
         VALUES ($1, $2, $3, 'open-case', now())`,
        [randomUUID(), testNhsNumber(index * 17 + 5), careHome],
      );
    }
    // A slow receiver, so that deliveries are on the wire when the process dies.
    receiver = await startWebhookReceiver({ delayMs: 300 });
    env.CARELOG_WEBHOOK_ALLOWED_DESTINATIONS = new URL(receiver.baseUrl).host;
  });

  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
    await admin.deleteTopics({ topics: recordEntryTopics() }).catch(() => undefined);
    await admin.disconnect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.query(`DROP SCHEMA IF EXISTS "${env.CARELOG_READ_MODEL_SCHEMA}" CASCADE`);
    await db.destroy();
    process.env = saved;
  });

  it('delivers every notification to every subscriber after a SIGKILL mid-backlog and another mid-delivery', async () => {
    service = startService({ name: 'notifications', port: PORT, env, onOutput: log });
    await waitForReady(service);
    for (const worker of workers) {
      const token = await mintLocalToken({
        role: 'social-worker',
        organisation: careHome,
        userId: worker,
      });
      const created = await requestJson(`${service.baseUrl}/v1/subscriptions`, {
        method: 'POST',
        token,
        body: { url: `${receiver.baseUrl}/hooks/${worker}` },
      });
      expect(created.status).toBe(201);
    }

    const producer = createKafka('notifications-restart-producer').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const events = Array.from({ length: PATIENTS }, (_, index) =>
      exampleEvent('CarePlanChanged', {
        nhsNumber: testNhsNumber(index * 17 + 5),
        organisation: careHome,
      }),
    );
    await producer.send({
      topic: recordEntryTopic('social-care'),
      acks: -1,
      messages: events.map((event) => ({
        key: event.patient.nhsNumber,
        value: codec.encode(event),
      })),
    });
    await producer.disconnect();
    const expected = PATIENTS * workers.length;
    const notified = () => count(`SELECT count(*) AS n FROM ${schema}.notification`);

    // First crash: as soon as the consumer has stored its first batch (usually mid-backlog).
    await eventually(async () => expect(await notified()).toBeGreaterThan(0), {
      timeoutMs: 60_000,
      intervalMs: 2,
    });
    await service.kill();
    log(`first kill with ${await notified()}/${expected} notifications stored`);
    service = startService({ name: 'notifications', port: PORT, env, onOutput: log });
    await waitForReady(service);

    // Second crash: once some deliveries are recorded delivered and others are on the wire.
    const delivered = () =>
      count(`SELECT count(*) AS n FROM ${schema}.webhook_delivery WHERE status = 'delivered'`);
    await eventually(
      async () => {
        expect(await delivered()).toBeGreaterThanOrEqual(10);
        expect(receiver.inFlight()).toBeGreaterThan(0);
      },
      { timeoutMs: 60_000, intervalMs: 5 },
    );
    await service.kill();
    const deliveredAtKill = await delivered();
    const notifiedAtKill = await notified();
    log(
      `killed with ${receiver.received.length} requests received, ${receiver.inFlight()} unanswered, ` +
        `${deliveredAtKill}/${expected} recorded delivered, ${notifiedAtKill}/${expected} notifications stored`,
    );
    expect(deliveredAtKill).toBeLessThan(expected);

    const restartedAt = Date.now();
    service = startService({ name: 'notifications', port: PORT, env, onOutput: log });
    await waitForReady(service);
    await eventually(
      async () =>
        expect(
          await count(
            `SELECT count(*) AS n FROM ${schema}.webhook_delivery WHERE status = 'delivered'`,
          ),
        ).toBe(expected),
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    log(
      `all ${expected} deliveries recorded delivered ${Date.now() - restartedAt} ms after the restart`,
    );

    // Nothing stored twice: one notification per event and subscriber, one delivery each.
    expect(await notified()).toBe(expected);
    expect(await count(`SELECT count(*) AS n FROM ${schema}.webhook_delivery`)).toBe(expected);
    // Every subscriber received every event (at least once; receivers dedupe by delivery id).
    for (const worker of workers) {
      const eventIds = new Set(
        receiver
          .on(`/hooks/${worker}`)
          .map((request) => (JSON.parse(request.body) as { eventId: string }).eventId),
      );
      expect(eventIds).toEqual(new Set(events.map((event) => event.eventId)));
    }
    const deliveryIds = new Set(
      receiver.received.map((request) => request.headers['carelog-delivery-id']),
    );
    expect(deliveryIds.size).toBe(expected);
    log(
      `${receiver.received.length - expected} duplicate request(s) after the crash (at-least-once)`,
    );

    // A graceful stop ends open event streams rather than waiting on them.
    const token = await mintLocalToken({
      role: 'social-worker',
      organisation: careHome,
      userId: workers[0],
    });
    const stream = await openEventStream(`${service.baseUrl}/v1/notifications/stream`, {
      Authorization: `Bearer ${token}`,
    });
    await eventually(() => expect(stream.events).toHaveLength(PATIENTS));
    const stopping = Date.now();
    await service.stop(10_000);
    await stream.close();
    // Nest re-raises SIGTERM once its shutdown hooks have run; SIGKILL would mean the grace ran out.
    expect(service.process.signalCode).toBe('SIGTERM');
    log(`stopped gracefully with a stream open in ${Date.now() - stopping} ms`);
  }, 300_000);
});
