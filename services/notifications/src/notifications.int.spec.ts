import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mintLocalToken } from '@carelog/auth';
import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import type { Role } from '@carelog/domain';
import {
  createKafka,
  deadLetterTopic,
  recordEntryTopic,
  recordEntryTopics,
  RecordEntryPublisher,
  type PublishedPosition,
} from '@carelog/kafka';
import { createHttpService } from '@carelog/nest-platform';
import { migrateReadModel, readModelDataSource } from '@carelog/read-model';
import {
  eventually,
  exampleEvent,
  nextTestNhsNumber,
  openEventStream,
  readPartition,
  requestJson,
  startWebhookReceiver,
  uniqueName,
  type ReceivedWebhook,
  type WebhookReceiver,
} from '@carelog/testing';
import type { Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { PatientStateReader } from './recipients/patient-state';
import { settingsFromEnv, webhookDeadLetterTopic } from './settings';
import { notificationsDataSource } from './storage/notifications-data-source';
import { SubscriptionStore } from './subscriptions/subscription-store';
import { WebhookWorker } from './webhooks/webhook-worker';

/** Organisations of one test's own: every test's staff subscribers are strangers to the others' patients. */
const organisations = () => {
  const suffix = randomUUID().slice(0, 6).toUpperCase();
  return { careHome: `CH${suffix}`, gpPractice: `GP${suffix}`, unrelated: `ZZ${suffix}` };
};

type Problem = { code: string; field?: string; status: number };
type Created = { id: string; secret: string; url: string };

/**
 * The notifications service in-process, against real Kafka and Postgres: topics, consumer
 * group and schemas of this test's own; the read model's access state is given as rows in a
 * read-model schema of its own (what the projection would have written).
 */
describe('notifications against real Kafka and Postgres', () => {
  const codec = loadEventCodec();
  const env = {
    CARELOG_TOPIC_PREFIX: uniqueName('notify'),
    CARELOG_NOTIFICATIONS_GROUP: uniqueName('notifications-int'),
    CARELOG_NOTIFICATIONS_SCHEMA: uniqueName('notifications_int'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_notify'),
    CARELOG_WEBHOOK_MAX_ATTEMPTS: '3',
    CARELOG_WEBHOOK_BASE_DELAY_MS: '1000',
    CARELOG_WEBHOOK_TIMEOUT_MS: '2000',
    // Longer than any wait below: every delivery and every streamed notification here is
    // started by a wake-up (a stored notification) or a retry's due time, never by the
    // fallback polls.
    CARELOG_WEBHOOK_POLL_MS: '120000',
    CARELOG_STREAM_POLL_MS: '120000',
  };
  const saved = { ...process.env };
  const kafka = createKafka('notifications-int-test');
  let app: NestExpressApplication;
  let url: string;
  let readModel: DataSource;
  let publisher: RecordEntryPublisher;
  let admin: Admin;
  let receiver: WebhookReceiver;
  /** Paths on the receiver that fail: always, or a number of times first. */
  const failing = new Map<string, number>();
  /** Paths whose next answer waits until the test releases it. */
  const held = new Map<string, Promise<void>>();

  let notificationsSource: DataSource;
  const db = () => readModel;
  const notificationsDb = () => notificationsSource;
  const notifications = `"${env.CARELOG_NOTIFICATIONS_SCHEMA}"`;

  beforeAll(async () => {
    Object.assign(process.env, env);
    admin = kafka.admin();
    await admin.connect();
    readModel = readModelDataSource({ applicationName: 'notifications-int-test', poolSize: 3 });
    await readModel.initialize();
    await migrateReadModel(readModel);
    receiver = await startWebhookReceiver({
      answer: async (path, earlier) => {
        await held.get(path);
        const failures = failing.get(path);
        return failures !== undefined && earlier < failures ? 503 : 200;
      },
    });
    // Loopback is refused by default: the operator allows exactly this receiver's address and port.
    process.env['CARELOG_WEBHOOK_ALLOWED_DESTINATIONS'] = new URL(receiver.baseUrl).host;
    app = await createHttpService({
      name: 'notifications',
      description: 'under test',
      module: (await import('./app.module')).NotificationsModule,
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    notificationsSource = notificationsDataSource({
      schema: env.CARELOG_NOTIFICATIONS_SCHEMA,
      applicationName: 'notifications-int-test-workers',
      poolSize: 4,
    });
    await notificationsSource.initialize();
    publisher = new RecordEntryPublisher(kafka, codec, recordEntryTopics());
    await publisher.connect();
    await eventually(async () =>
      expect((await requestJson(`${url}/health/ready`)).status).toBe(200),
    );
  });

  afterAll(async () => {
    await app?.close();
    await notificationsSource?.destroy();
    await receiver?.close();
    await publisher?.disconnect();
    await admin.deleteTopics({ topics: recordEntryTopics() }).catch(() => undefined);
    await admin.disconnect();
    await readModel.query(`DROP SCHEMA IF EXISTS ${notifications} CASCADE`);
    await readModel.query(`DROP SCHEMA IF EXISTS "${env.CARELOG_READ_MODEL_SCHEMA}" CASCADE`);
    await readModel.destroy();
    process.env = saved;
  });

  // Given: read-model state, as the projection would have written it.
  const relationship = (nhsNumber: string, organisation: string) =>
    db().query(
      `INSERT INTO care_relationship (started_by_event_id, nhs_number, organisation, kind, started_at)
       VALUES ($1, $2, $3, 'open-case', now())`,
      [randomUUID(), nhsNumber, organisation],
    );
  const consent = (nhsNumber: string, subject: string, active: boolean, detail: object) =>
    db().query(
      `INSERT INTO consent_state (nhs_number, subject, active, detail, changed_at, changed_by_event_id)
       VALUES ($1, $2, $3, $4, now(), $5)`,
      [nhsNumber, subject, active, JSON.stringify(detail), randomUUID()],
    );
  const approveCarer = (nhsNumber: string, userId: string, scope: string[], active = true) =>
    consent(nhsNumber, `carer:${userId}`, active, {
      carerUserId: userId,
      scope,
      notifyOnCarePlanChange: true,
    });

  const tokenFor = (role: Role, organisation: string, userId: string) =>
    mintLocalToken({ role, organisation, userId });
  const subscribe = async (token: string, name: string): Promise<Created> => {
    const response = await requestJson<Created>(`${url}/v1/subscriptions`, {
      method: 'POST',
      token,
      body: { url: `${receiver.baseUrl}/hooks/${name}` },
    });
    expect(response.status).toBe(201);
    return response.body;
  };

  const carePlanChanged = (nhsNumber: string, organisation: string) =>
    exampleEvent('CarePlanChanged', { nhsNumber, organisation });
  const publish = (domain: 'social-care' | 'gp', event: UncheckedRecordEntryEvent) =>
    publisher.publish(recordEntryTopic(domain), event);

  /** Waits until the consumer has stored its checkpoint past this event: whatever it notifies is stored. */
  const processed = (position: PublishedPosition) =>
    eventually(async () => {
      const rows = await db().query<Array<{ next_offset: string }>>(
        `SELECT next_offset FROM ${notifications}.consumer_checkpoint
         WHERE consumer_group = $1 AND topic = $2 AND kafka_partition = $3`,
        [env.CARELOG_NOTIFICATIONS_GROUP, position.topic, position.partition],
      );
      expect(BigInt(rows[0]?.next_offset ?? '-1')).toBeGreaterThan(BigInt(position.offset));
    });
  const recipientsOf = async (eventId: string) =>
    (
      await db().query<Array<{ user_id: string; reason: string }>>(
        `SELECT user_id, reason FROM ${notifications}.notification WHERE event_id = $1 ORDER BY user_id`,
        [eventId],
      )
    ).map((row) => [row.user_id, row.reason]);
  const deliveryOf = async (subscriptionId: string) =>
    (
      await db().query<
        Array<{ id: string; status: string; attempts: number; last_error: string | null }>
      >(
        `SELECT id, status, attempts, last_error FROM ${notifications}.webhook_delivery WHERE subscription_id = $1`,
        [subscriptionId],
      )
    )[0];

  /** The receiver's own check: HMAC-SHA256 over "<t>.<body>" with the subscription's secret. */
  const verifySignature = (received: ReceivedWebhook, secret: string) => {
    const header = String(received.headers['carelog-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    const [, t, v1] = match ?? [];
    const expected = createHmac('sha256', secret).update(`${t}.${received.body}`).digest('hex');
    expect(v1).toBe(expected);
    expect(Math.abs(Date.now() / 1000 - Number(t))).toBeLessThan(300);
  };

  describe('subscriptions API', () => {
    it('registers, lists and deletes only the caller’s own webhooks, with problem+json errors', async () => {
      const { careHome } = organisations();
      const token = await tokenFor('social-worker', careHome, `sw-${randomUUID()}`);
      const other = await tokenFor('social-worker', careHome, `sw-${randomUUID()}`);

      const noToken = await requestJson<Problem>(`${url}/v1/subscriptions`);
      expect(noToken.status).toBe(401);
      expect(noToken.headers.get('content-type')).toContain('application/problem+json');
      for (const bad of ['ftp://example.org/hook', 'not a url', '', 42]) {
        const refused = await requestJson<Problem>(`${url}/v1/subscriptions`, {
          method: 'POST',
          token,
          body: { url: bad },
        });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ code: 'invalid-url', field: 'url' });
      }
      const patient = await mintLocalToken({
        role: 'patient',
        organisation: 'patients',
        nhsNumber: nextTestNhsNumber(),
      });
      const notForPatients = await requestJson<Problem>(`${url}/v1/subscriptions`, {
        method: 'POST',
        token: patient,
        body: { url: 'https://example.org/hook' },
      });
      expect(notForPatients.status).toBe(403);
      expect(notForPatients.body.code).toBe('not-permitted');

      const created = await subscribe(token, 'api');
      expect(created.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
      const listed = await requestJson<{ subscriptions: Array<Record<string, unknown>> }>(
        `${url}/v1/subscriptions`,
        { token },
      );
      expect(listed.body.subscriptions).toEqual([
        { id: created.id, url: created.url, createdAt: expect.any(String) },
      ]);
      expect(JSON.stringify(listed.body)).not.toContain(created.secret);
      expect(
        (
          await requestJson<{ subscriptions: unknown[] }>(`${url}/v1/subscriptions`, {
            token: other,
          })
        ).body.subscriptions,
      ).toEqual([]);

      const notYours = await requestJson<Problem>(`${url}/v1/subscriptions/${created.id}`, {
        method: 'DELETE',
        token: other,
      });
      expect(notYours.status).toBe(404);
      expect(notYours.body.code).toBe('subscription-not-found');
      const deleted = await requestJson(`${url}/v1/subscriptions/${created.id}`, {
        method: 'DELETE',
        token,
      });
      expect(deleted.status).toBe(204);
      expect(
        (await requestJson<{ subscriptions: unknown[] }>(`${url}/v1/subscriptions`, { token })).body
          .subscriptions,
      ).toEqual([]);
    });

    it('publishes its routes at /docs-json', async () => {
      const docs = await requestJson<{ paths: Record<string, unknown> }>(`${url}/docs-json`);
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining([
          '/v1/subscriptions',
          '/v1/subscriptions/{id}',
          '/v1/notifications/stream',
          '/health/ready',
        ]),
      );
    });
  });

  describe('webhooks', () => {
    it('delivers a care-plan change to an approved carer and the care team, signed, with minimal content', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const carerId = `carer-${randomUUID()}`;
      const workerId = `sw-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      await approveCarer(nhsNumber, carerId, ['social-care']);
      const carer = await subscribe(await tokenFor('carer', 'carers', carerId), `carer-${carerId}`);
      const worker = await subscribe(
        await tokenFor('social-worker', careHome, workerId),
        `worker-${workerId}`,
      );
      const event = carePlanChanged(nhsNumber, careHome);
      await publish('social-care', event);

      for (const [subscription, path] of [
        [carer, `/hooks/carer-${carerId}`],
        [worker, `/hooks/worker-${workerId}`],
      ] as const) {
        const [received] = await eventually(() => {
          const found = receiver.on(path);
          expect(found).toHaveLength(1);
          return found;
        });
        if (!received) throw new Error('no webhook received');
        verifySignature(received, subscription.secret);
        const delivery = await eventually(async () => {
          const row = await deliveryOf(subscription.id);
          expect(row?.status).toBe('delivered');
          return row;
        });
        expect(received.headers['carelog-delivery-id']).toBe(delivery?.id);
        const body = JSON.parse(received.body) as Record<string, unknown>;
        expect(body).toEqual({
          id: expect.any(String),
          nhsNumber,
          eventId: event.eventId,
          entryType: 'CarePlanChanged',
          occurredAt: event.occurredAt.toISOString(),
          reason: 'entry-type',
          link: `/v1/patients/${nhsNumber}/entries/${event.eventId}`,
        });
        expect(received.body).not.toContain(String(event.payload['summaryOfChange']));
      }
      const metrics = await fetch(`${url}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(/carelog_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    });

    it('retries a failing receiver with back-off until it answers 2xx', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const workerId = `sw-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      const path = `/hooks/flaky-${workerId}`;
      failing.set(path, 2);
      const subscription = await subscribe(
        await tokenFor('social-worker', careHome, workerId),
        `flaky-${workerId}`,
      );
      await publish('social-care', carePlanChanged(nhsNumber, careHome));

      const delivery = await eventually(async () => {
        const row = await deliveryOf(subscription.id);
        expect(row?.status).toBe('delivered');
        return row;
      });
      expect(delivery?.attempts).toBe(3);
      const attempts = receiver.on(path);
      expect(attempts).toHaveLength(3);
      // The same delivery each time, so the receiver can dedupe; each attempt freshly signed.
      expect(new Set(attempts.map((attempt) => attempt.headers['carelog-delivery-id']))).toEqual(
        new Set([delivery?.id]),
      );
      for (const attempt of attempts) verifySignature(attempt, subscription.secret);
      const metrics = await fetch(`${url}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(/carelog_webhook_deliveries_total\{outcome="retried"\} [2-9]/);
    });

    it('dead-letters a delivery after the attempt limit, with its reason, and marks it dead', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const workerId = `sw-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      const path = `/hooks/down-${workerId}`;
      failing.set(path, Number.MAX_SAFE_INTEGER);
      const subscription = await subscribe(
        await tokenFor('social-worker', careHome, workerId),
        `down-${workerId}`,
      );
      const event = carePlanChanged(nhsNumber, careHome);
      await publish('social-care', event);

      const delivery = await eventually(async () => {
        const row = await deliveryOf(subscription.id);
        expect(row?.status).toBe('dead');
        return row;
      });
      expect(delivery).toMatchObject({ attempts: 3, last_error: 'receiver answered HTTP 503' });
      expect(receiver.on(path)).toHaveLength(3);
      const dead = (
        await readPartition(kafka, webhookDeadLetterTopic(env.CARELOG_NOTIFICATIONS_GROUP), 0)
      ).find((message) => message.key?.toString() === delivery?.id);
      expect(dead?.headers?.['carelog-dlq-reason']?.toString()).toBe('receiver answered HTTP 503');
      expect(JSON.parse(dead?.value?.toString() ?? '{}')).toMatchObject({
        deliveryId: delivery?.id,
        subscriptionId: subscription.id,
        attempts: 3,
        reason: 'receiver answered HTTP 503',
        notification: { eventId: event.eventId, entryType: 'CarePlanChanged', nhsNumber },
      });
      const metrics = await fetch(`${url}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(/carelog_webhook_deliveries_total\{outcome="dead-lettered"\} [1-9]/);
    });
  });

  describe('webhook egress', () => {
    it('refuses loopback, private, link-local and metadata destinations at subscription, however spelt', async () => {
      const { careHome } = organisations();
      const token = await tokenFor('social-worker', careHome, `sw-${randomUUID()}`);
      const { port } = new URL(receiver.baseUrl);
      for (const destination of [
        'http://127.0.0.1:15432/',
        'http://localhost:3101/hooks',
        'http://[::1]:19092/',
        'http://10.0.0.1/hooks',
        'http://172.16.0.1/',
        'http://192.168.1.1/',
        'http://100.64.0.1/',
        'http://169.254.169.254/latest/meta-data/',
        'http://[fd00:ec2::254]/latest/meta-data/',
        'https://[fc00::1]/',
        'http://[fe80::1]/',
        'http://0.0.0.0/',
        'http://[::]/',
        'http://224.0.0.1/',
        'http://[ff02::1]/',
        'http://[::ffff:127.0.0.1]:15432/',
        'http://[::ffff:a9fe:a9fe]/',
        'http://2130706433:15432/',
        'http://0x7f.1:15432/',
        'http://017700000001:15432/',
        'http://127.1:15432/',
        // The allowed receiver's address, on another port.
        `http://127.0.0.1:${Number(port) === 65535 ? 65534 : Number(port) + 1}/hooks`,
      ]) {
        const refused = await requestJson<Problem & { detail: string }>(`${url}/v1/subscriptions`, {
          method: 'POST',
          token,
          body: { url: destination },
        });
        expect({ destination, status: refused.status }).toEqual({ destination, status: 400 });
        expect(refused.headers.get('content-type')).toContain('application/problem+json');
        expect(refused.body).toMatchObject({
          code: 'webhook-destination-not-allowed',
          field: 'url',
        });
        // How internal names resolve is not the subscriber's business: no address in the answer.
        expect(refused.body.detail).not.toMatch(/\d/);
      }
      expect(
        (await requestJson<{ subscriptions: unknown[] }>(`${url}/v1/subscriptions`, { token })).body
          .subscriptions,
      ).toEqual([]);
    });

    it('refuses at delivery a destination no longer allowed, by address or by a name resolving to loopback: dead-lettered, never posted', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      await relationship(nhsNumber, careHome);
      // A receiver the operator has not allowed (the allow-list changed after these subscribed).
      const unlisted = await startWebhookReceiver();
      try {
        const { port } = new URL(unlisted.baseUrl);
        const store = new SubscriptionStore(notificationsDb());
        const identity = (userId: string) => ({
          userId,
          role: 'social-worker',
          organisation: careHome,
        });
        const byAddress = await store.create(
          identity(`sw-${randomUUID()}`),
          `${unlisted.baseUrl}/hooks/by-address`,
        );
        const byName = await store.create(
          identity(`sw-${randomUUID()}`),
          `http://localhost:${port}/hooks/by-name`,
        );
        const event = carePlanChanged(nhsNumber, careHome);
        await publish('social-care', event);

        for (const subscription of [byAddress, byName]) {
          const delivery = await eventually(async () => {
            const row = await deliveryOf(subscription.id);
            expect(row?.status).toBe('dead');
            return row;
          });
          // Refused for good on the first attempt: no retries against an address that is never allowed.
          expect(delivery?.attempts).toBe(1);
          expect(delivery?.last_error).toMatch(
            /^destination not allowed: .*127\.0\.0\.1 port \d+ \(loopback\) is not allowed$/,
          );
          const message = await eventually(async () => {
            const found = (
              await readPartition(kafka, webhookDeadLetterTopic(env.CARELOG_NOTIFICATIONS_GROUP), 0)
            ).find((candidate) => candidate.key?.toString() === delivery?.id);
            expect(found).toBeDefined();
            return found;
          });
          expect(message?.headers?.['carelog-dlq-code']?.toString()).toBe(
            'webhook-destination-not-allowed',
          );
          expect(message?.headers?.['carelog-dlq-reason']?.toString()).toBe(delivery?.last_error);
        }
        expect(unlisted.received).toEqual([]);
      } finally {
        await unlisted.close();
      }
    });
  });

  describe('who is told', () => {
    it('tells the approved carer in scope and the care team; not a revoked or out-of-scope carer, nor an unrelated organisation', async () => {
      const { careHome, gpPractice, unrelated } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const id = (name: string) => `${name}-${randomUUID()}`;
      const [approved, revoked, outOfScope, worker, gp, stranger] = [
        id('approved'),
        id('revoked'),
        id('narrow'),
        id('worker'),
        id('gp'),
        id('stranger'),
      ];
      await relationship(nhsNumber, careHome);
      await relationship(nhsNumber, gpPractice);
      await approveCarer(nhsNumber, approved, ['social-care']);
      await approveCarer(nhsNumber, revoked, ['social-care'], false);
      await approveCarer(nhsNumber, outOfScope, ['medicines']);
      for (const [role, organisation, userId] of [
        ['carer', 'carers', approved],
        ['carer', 'carers', revoked],
        ['carer', 'carers', outOfScope],
        ['social-worker', careHome, worker],
        ['gp', gpPractice, gp],
        ['social-worker', unrelated, stranger],
      ] as const)
        await subscribe(await tokenFor(role, organisation, userId), userId);

      const event = carePlanChanged(nhsNumber, careHome);
      await processed(await publish('social-care', event));
      expect(await recipientsOf(event.eventId)).toEqual(
        [
          [approved, 'entry-type'],
          [gp, 'entry-type'],
          [worker, 'entry-type'],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      await eventually(() => expect(receiver.on(`/hooks/${approved}`)).toHaveLength(1));
      for (const silent of [revoked, outOfScope, stranger])
        expect(receiver.on(`/hooks/${silent}`)).toHaveLength(0);
    });

    it('sends an attention flag to exactly the named role and organisation; a sealed entry reaches no one it is sealed from', async () => {
      const { careHome, gpPractice } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const named = `named-${randomUUID()}`;
      const otherRole = `care-worker-${randomUUID()}`;
      const carerId = `carer-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      await relationship(nhsNumber, gpPractice);
      await approveCarer(nhsNumber, carerId, ['social-care', 'gp']);
      await subscribe(await tokenFor('social-worker', careHome, named), named);
      await subscribe(await tokenFor('care-worker', careHome, otherRole), otherRole);
      await subscribe(await tokenFor('carer', 'carers', carerId), carerId);

      const referral = {
        ...exampleEvent('ReferralMade', { nhsNumber, organisation: gpPractice }),
        attention: { role: 'social-worker', organisation: careHome, reason: 'please assess' },
      };
      await processed(await publish('gp', referral));
      expect(await recipientsOf(referral.eventId)).toEqual([[named, 'attention']]);

      const sealed = carePlanChanged(nhsNumber, careHome);
      await consent(nhsNumber, `seal:${sealed.eventId}:person:${carerId}`, true, {
        entryEventId: sealed.eventId,
        sealedFrom: { kind: 'person', value: carerId },
      });
      await processed(await publish('social-care', sealed));
      expect((await recipientsOf(sealed.eventId)).map(([user]) => user)).toEqual(
        [named, otherRole].sort(),
      );
    });
  });

  describe('access decided again before each delivery', () => {
    it('withdraws a retry to a carer revoked since the first attempt, and their stream withholds it', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const otherPatient = nextTestNhsNumber();
      const carerId = `carer-${randomUUID()}`;
      for (const patient of [nhsNumber, otherPatient]) {
        await relationship(patient, careHome);
        await approveCarer(patient, carerId, ['social-care']);
      }
      const path = `/hooks/${carerId}`;
      failing.set(path, Number.MAX_SAFE_INTEGER);
      const token = await tokenFor('carer', 'carers', carerId);
      const subscription = await subscribe(token, carerId);
      const event = carePlanChanged(nhsNumber, careHome);
      await publish('social-care', event);

      // The first attempt fails; the patient revokes the carer before the retry is due (1 s later).
      await eventually(() => expect(receiver.on(path)).toHaveLength(1), { intervalMs: 5 });
      await db().query(
        `UPDATE consent_state SET active = false WHERE nhs_number = $1 AND subject = $2`,
        [nhsNumber, `carer:${carerId}`],
      );
      const delivery = await eventually(async () => {
        const row = await deliveryOf(subscription.id);
        expect(row?.status).toBe('withdrawn');
        return row;
      });
      expect(delivery).toMatchObject({ last_error: 'access withdrawn before delivery' });
      // Normally the second attempt; on a slow machine a retry may have failed before the revocation landed.
      expect(delivery?.attempts).toBeGreaterThanOrEqual(2);
      // Every attempt before the withdrawn one reached the receiver; the withdrawn one did not.
      expect(receiver.on(path)).toHaveLength(Number(delivery?.attempts) - 1);

      // The stream sends what comes after it, for the patient who still approves the carer, but not the withdrawn one.
      const later = carePlanChanged(otherPatient, careHome);
      await publish('social-care', later);
      const stream = await openEventStream(`${url}/v1/notifications/stream`, {
        Authorization: `Bearer ${token}`,
      });
      await eventually(() => expect(stream.events.length).toBeGreaterThanOrEqual(1));
      await stream.close();
      expect(
        stream.events.map((sent) => (JSON.parse(sent.data) as { eventId: string }).eventId),
      ).toEqual([later.eventId]);
    });
  });

  describe('delivery workers', () => {
    it('hands claims back unused when its own database reads fail, so a receiver keeps all its attempts', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const workerId = `sw-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      const path = `/hooks/${workerId}`;
      failing.set(path, 1);
      // The first attempt's 503 waits until the read model is gone, so its retry (after the
      // base delay) cannot be delivered first however slow the machine is.
      let release = (): void => undefined;
      held.set(path, new Promise<void>((resolve) => (release = resolve)));
      const subscription = await subscribe(
        await tokenFor('social-worker', careHome, workerId),
        workerId,
      );
      await publish('social-care', carePlanChanged(nhsNumber, careHome));
      await eventually(() => expect(receiver.on(path)).toHaveLength(1), { intervalMs: 5 });

      const failedRounds = async () =>
        Number(
          /^carelog_webhook_rounds_failed_total (\d+)$/m.exec(
            await fetch(`${url}/metrics`).then((response) => response.text()),
          )?.[1] ?? 0,
        );
      const before = await failedRounds();
      // The read model goes away under the worker (as in a botched migration) for a few rounds.
      await db().query(`ALTER TABLE care_relationship RENAME TO care_relationship_away`);
      held.delete(path);
      release();
      try {
        await eventually(
          async () => expect(await failedRounds()).toBeGreaterThanOrEqual(before + 5),
          {
            timeoutMs: 60_000,
          },
        );
        // A round holds its claim (attempts + 1) until it hands it back, so wait for the count
        // to be back at 1 between rounds: a claim kept would leave it higher for good.
        await eventually(
          async () => expect((await deliveryOf(subscription.id))?.attempts).toBe(1),
          {
            intervalMs: 5,
          },
        );
      } finally {
        await db().query(`ALTER TABLE care_relationship_away RENAME TO care_relationship`);
      }
      const delivered = await eventually(async () => {
        const row = await deliveryOf(subscription.id);
        expect(row?.status).toBe('delivered');
        return row;
      });
      expect(delivered?.attempts).toBe(2);
    });

    it('never sends one delivery twice when several workers claim at once', async () => {
      const { careHome } = organisations();
      const extra = Array.from(
        { length: 3 },
        () =>
          new WebhookWorker(kafka, notificationsDb(), new PatientStateReader(notificationsDb()), {
            ...settingsFromEnv(),
            webhook: { ...settingsFromEnv().webhook, pollMs: 10, batch: 2 },
          }),
      );
      const workers = [`sw-${randomUUID()}`, `sw-${randomUUID()}`, `sw-${randomUUID()}`];
      for (const worker of workers)
        await subscribe(await tokenFor('social-worker', careHome, worker), worker);
      const patients = Array.from({ length: 10 }, () => nextTestNhsNumber());
      for (const patient of patients) await relationship(patient, careHome);
      for (const instance of extra) instance.init();
      try {
        for (const patient of patients)
          await publish('social-care', carePlanChanged(patient, careHome));
        const received = () => workers.flatMap((worker) => receiver.on(`/hooks/${worker}`));
        await eventually(() => expect(received()).toHaveLength(30));
        const deliveryIds = received().map((request) => request.headers['carelog-delivery-id']);
        expect(new Set(deliveryIds).size).toBe(30);
      } finally {
        for (const instance of extra) await instance.stop();
      }
    });
  });

  describe('consumer', () => {
    it('stores notifications and the checkpoint together: a failed write leaves both, the retry stores each once', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const workerId = `sw-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      await subscribe(await tokenFor('social-worker', careHome, workerId), workerId);
      // A real failure inside Postgres: a trigger refuses this patient's notifications and counts the attempts.
      await db().query(`CREATE SEQUENCE ${notifications}.refused_writes`);
      await db().query(`
        CREATE FUNCTION ${notifications}.refuse_patient() RETURNS trigger AS $$
        BEGIN
          IF NEW.nhs_number = '${nhsNumber}' THEN
            PERFORM nextval('${notifications}.refused_writes');
            RAISE EXCEPTION 'simulated database failure';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`);
      await db().query(
        `CREATE TRIGGER refuse_patient BEFORE INSERT ON ${notifications}.notification
         FOR EACH ROW EXECUTE FUNCTION ${notifications}.refuse_patient()`,
      );
      const event = carePlanChanged(nhsNumber, careHome);
      const position = await publish('social-care', event);
      const checkpoint = async () =>
        BigInt(
          (
            await db().query<Array<{ next_offset: string }>>(
              `SELECT next_offset FROM ${notifications}.consumer_checkpoint
               WHERE consumer_group = $1 AND topic = $2 AND kafka_partition = $3`,
              [env.CARELOG_NOTIFICATIONS_GROUP, position.topic, position.partition],
            )
          )[0]?.next_offset ?? '-1',
        );
      try {
        await eventually(
          async () => {
            const [row] = await db().query<Array<{ last_value: string; is_called: boolean }>>(
              `SELECT last_value, is_called FROM ${notifications}.refused_writes`,
            );
            expect(row?.is_called && Number(row.last_value) >= 2).toBe(true);
          },
          { timeoutMs: 60_000 },
        );
        expect(await checkpoint()).toBeLessThanOrEqual(BigInt(position.offset));
        expect(await recipientsOf(event.eventId)).toEqual([]);
      } finally {
        await db().query(`DROP TRIGGER refuse_patient ON ${notifications}.notification`);
      }
      await eventually(
        async () => expect(await checkpoint()).toBeGreaterThan(BigInt(position.offset)),
        {
          timeoutMs: 60_000,
        },
      );
      expect(await recipientsOf(event.eventId)).toEqual([[workerId, 'entry-type']]);
      await eventually(() => expect(receiver.on(`/hooks/${workerId}`)).toHaveLength(1));
    });

    it('notifies no one of an event recorded before the age limit (a new group reads from offset 0)', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const workerId = `sw-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      await subscribe(await tokenFor('social-worker', careHome, workerId), workerId);
      const old = exampleEvent('CarePlanChanged', {
        nhsNumber,
        organisation: careHome,
        recordedAt: new Date(Date.now() - 2 * 24 * 3_600_000),
      });
      const fresh = carePlanChanged(nhsNumber, careHome);
      await publish('social-care', old);
      await processed(await publish('social-care', fresh));
      expect(await recipientsOf(old.eventId)).toEqual([]);
      expect(await recipientsOf(fresh.eventId)).toEqual([[workerId, 'entry-type']]);
    });
  });

  describe('event stream', () => {
    it('streams the caller’s notifications and resumes after Last-Event-ID', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const carerId = `carer-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      await approveCarer(nhsNumber, carerId, ['social-care']);
      const token = await tokenFor('carer', 'carers', carerId);
      const streamUrl = `${url}/v1/notifications/stream`;
      const headers = { Authorization: `Bearer ${token}` };

      const refused = await requestJson<Problem>(streamUrl);
      expect(refused.status).toBe(401);

      const first = await openEventStream(streamUrl, headers);
      expect(first.status).toBe(200);
      expect(first.contentType).toContain('text/event-stream');
      const [one, two, three] = [
        carePlanChanged(nhsNumber, careHome),
        carePlanChanged(nhsNumber, careHome),
        carePlanChanged(nhsNumber, careHome),
      ];
      for (const event of [one, two]) await publish('social-care', event);
      await eventually(() => expect(first.events).toHaveLength(2));
      await first.close();
      const eventIds = (events: typeof first.events) =>
        events.map((event) => (JSON.parse(event.data) as { eventId: string }).eventId);
      expect(eventIds(first.events).sort()).toEqual([one.eventId, two.eventId].sort());
      expect(first.events.every((event) => event.event === 'notification')).toBe(true);

      // Missed while disconnected: the third; resuming after the first gives the second and third only.
      await publish('social-care', three);
      await eventually(async () =>
        expect(await recipientsOf(three.eventId)).toEqual([[carerId, 'entry-type']]),
      );
      const resumed = await openEventStream(streamUrl, {
        ...headers,
        'Last-Event-ID': first.events[0]?.id ?? '',
      });
      await eventually(() => expect(resumed.events).toHaveLength(2));
      await resumed.close();
      expect(eventIds(resumed.events)).toEqual([eventIds(first.events)[1], three.eventId]);

      // Another identity's stream holds none of them.
      const other = await openEventStream(streamUrl, {
        Authorization: `Bearer ${await tokenFor('carer', 'carers', `carer-${randomUUID()}`)}`,
      });
      expect(other.status).toBe(200);
      await other.close();
      expect(other.events).toEqual([]);

      const badResume = await requestJson<Problem>(streamUrl, {
        token,
        headers: { 'Last-Event-ID': 'yesterday' },
      });
      expect(badResume.status).toBe(400);
      expect(badResume.body.code).toBe('invalid-last-event-id');

      // The server noticed every client go away: no stream keeps polling for a closed connection.
      await eventually(async () =>
        expect(await fetch(`${url}/metrics`).then((response) => response.text())).toMatch(
          /^carelog_notification_streams_open 0$/m,
        ),
      );
    });
  });

  it('sends an undecodable event to its dead-letter topic with the reason, and carries on', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const topic = recordEntryTopic('social-care');
    const [sent] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'garbage', value: Buffer.from('not avro at all') }],
    });
    await producer.disconnect();
    const dead = await eventually(async () => {
      const found = (
        await readPartition(kafka, deadLetterTopic(env.CARELOG_NOTIFICATIONS_GROUP), 0)
      ).find(
        (message) =>
          message.headers?.['carelog-source-offset']?.toString() === sent?.baseOffset &&
          message.headers?.['carelog-source-partition']?.toString() === String(sent?.partition),
      );
      expect(found).toBeDefined();
      return found;
    });
    expect(dead?.headers?.['carelog-dlq-code']?.toString()).toBeTruthy();
    expect(dead?.headers?.['carelog-dlq-reason']?.toString()).toBeTruthy();
    expect(dead?.value?.toString()).toBe('not avro at all');
  });

  describe('the stream, opened at the latest', () => {
    it('sends only what comes after it with from=latest, everything without, and refuses another from', async () => {
      const { careHome } = organisations();
      const nhsNumber = nextTestNhsNumber();
      const workerId = `sw-${randomUUID()}`;
      await relationship(nhsNumber, careHome);
      const token = await tokenFor('social-worker', careHome, workerId);
      const headers = { Authorization: `Bearer ${token}` };
      const ids = (events: Array<{ data: string }>) =>
        events.map((sent) => (JSON.parse(sent.data) as { eventId: string }).eventId);
      // A first stream registers the worker and reads an earlier notification.
      const first = await openEventStream(`${url}/v1/notifications/stream`, headers);
      const earlier = carePlanChanged(nhsNumber, careHome);
      await publish('social-care', earlier);
      await eventually(() => expect(first.events.length).toBeGreaterThanOrEqual(1));
      await first.close();

      const live = await openEventStream(`${url}/v1/notifications/stream?from=latest`, headers);
      const later = carePlanChanged(nhsNumber, careHome);
      await publish('social-care', later);
      await eventually(() => expect(live.events.length).toBeGreaterThanOrEqual(1));
      await live.close();
      expect(ids(live.events)).toEqual([later.eventId]);

      const whole = await openEventStream(`${url}/v1/notifications/stream`, headers);
      await eventually(() => expect(whole.events.length).toBeGreaterThanOrEqual(2));
      await whole.close();
      expect(ids(whole.events)).toEqual([earlier.eventId, later.eventId]);

      const refused = await requestJson<Problem>(`${url}/v1/notifications/stream?from=yesterday`, {
        token,
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'invalid-from', field: 'from' });
    });
  });
});
