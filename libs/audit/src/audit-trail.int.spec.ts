import { randomUUID } from 'node:crypto';
import { loadAuditCodec } from '@carelog/codec';
import { createKafka, ensureTopics, recordTopicSpec } from '@carelog/kafka';
import { eventually, nextTestNhsNumber, readPartition, uniqueName } from '@carelog/testing';
import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { AccessEvent } from './access-event';
import { auditDataSource } from './audit-data-source';
import { AuditPublishError, AuditTrail, type AccessEventMessage } from './audit-trail';
import { GENESIS_HASH } from './chain';
import { verifyAuditChain } from './verify-chain';

/** The audit trail on a real Postgres schema and a real Kafka topic, both this file's own. */
describe('the audit trail', () => {
  const schema = uniqueName('audit_trail');
  const topic = uniqueName('audit-trail-topic');
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let trail: AuditTrail;

  const accessEvent = (overrides: Partial<AccessEvent> = {}): AccessEvent => ({
    accessId: randomUUID(),
    occurredAt: new Date(),
    actor: { userId: 'dr-patel', role: 'gp', organisation: 'A81001' },
    nhsNumber: nextTestNhsNumber(),
    action: 'read-record',
    outcome: 'allowed',
    entriesShown: 4,
    breakGlass: null,
    ...overrides,
  });
  const seqs = async () =>
    (
      await dataSource.query<Array<{ seq: string }>>(
        `SELECT seq FROM "${schema}".access_event ORDER BY seq`,
      )
    ).map((row) => Number(row.seq));
  const oneToN = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

  beforeAll(async () => {
    dataSource = auditDataSource({ schema, applicationName: 'audit-trail-test', poolSize: 20 });
    await dataSource.initialize();
    kafka = createKafka('audit-trail-test');
    admin = kafka.admin();
    await admin.connect();
    // A broker that has only just started can fail topic creation's wait for leaders. The
    // trail retries on its next call, but a test's first record should not be that call.
    await eventually(() => ensureTopics(admin, [recordTopicSpec(topic)]));
    trail = new AuditTrail(dataSource, kafka, { schema, topic });
    // Twice at once, as two instances starting together would.
    await Promise.all([trail.migrate(), trail.migrate()]);
  });

  afterAll(async () => {
    await trail.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('chains events recorded one by one and fifty at once, seq 1..N with no fork', async () => {
    const first = await trail.record(accessEvent());
    expect(first.seq).toBe(1);
    const [row] = await dataSource.query<Array<{ prev_hash: string }>>(
      `SELECT prev_hash FROM "${schema}".access_event WHERE seq = 1`,
    );
    expect(row?.prev_hash).toBe(GENESIS_HASH);
    await trail.record(accessEvent({ accessId: randomUUID().toUpperCase() }));
    await trail.record(accessEvent({ action: 'read-journal', entriesShown: null }));

    const concurrent = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        trail.record(accessEvent({ outcome: index % 5 === 0 ? 'denied' : 'allowed' })),
      ),
    );
    expect(concurrent.map((recorded) => recorded.seq).sort((a, b) => a - b)).toEqual(
      oneToN(53).slice(3),
    );
    expect(await seqs()).toEqual(oneToN(53));
    expect(await verifyAuditChain(dataSource, { schema })).toEqual({ ok: true, rows: 53 });
    // Across page boundaries too.
    expect(await verifyAuditChain(dataSource, { schema, pageSize: 7 })).toEqual({
      ok: true,
      rows: 53,
    });
  });

  it('publishes the event to the topic as Avro (AccessEventRecorded), keyed by accessId, with headers', async () => {
    const event = accessEvent({
      action: 'read-entry',
      entriesShown: 1,
      actor: { userId: 'nurse-ó', role: 'community-nurse', organisation: 'RY448' },
      breakGlass: { reason: 'unconscious in ED', expiresAt: new Date(Date.now() + 3_600_000) },
      basis: 'break-glass',
    });
    const recorded = await trail.record(event);
    expect(recorded.topic).toBe(topic);
    const [message] = await readPartition(kafka, topic, recorded.partition, recorded.offset);
    expect(message?.key?.toString()).toBe(event.accessId);
    expect(message?.headers?.['carelog-audit-event']?.toString()).toBe('AccessEventRecorded');
    expect(message?.value?.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    const { event: body, writer } = loadAuditCodec().decode(message?.value ?? Buffer.alloc(0));
    expect(writer.file).toBe('audit/AccessEventRecorded.v2.avsc');
    expect(body as AccessEventMessage).toEqual({
      accessId: event.accessId,
      occurredAt: new Date(event.occurredAt.toISOString()),
      actor: event.actor,
      nhsNumber: event.nhsNumber,
      action: 'read-entry',
      outcome: 'allowed',
      entriesShown: 1,
      breakGlass: {
        reason: 'unconscious in ED',
        expiresAt: new Date(event.breakGlass?.expiresAt.toISOString() ?? ''),
      },
      // A read under break-glass is marked as such on the topic too.
      basis: 'break-glass',
      claim: null,
      review: null,
      seq: recorded.seq,
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      hash: recorded.hash,
    });
  });

  it('alerts the privacy officer to a break-glass, and not to reads made under it', async () => {
    const nhsNumber = nextTestNhsNumber();
    const breakGlass = {
      reason: 'patient unconscious, no care relationship',
      expiresAt: new Date(Date.now() + 4 * 3_600_000),
    };
    const actor = { userId: 'ed-reg-1', role: 'urgent-care', organisation: 'RX1' };
    const glass = accessEvent({
      nhsNumber,
      actor,
      action: 'break-glass',
      entriesShown: null,
      breakGlass,
    });
    await trail.record(glass);
    const readUnderIt = accessEvent({ nhsNumber, actor, action: 'read-record', breakGlass });
    await trail.record(readUnderIt);

    const alerts = await trail.privacyAlerts({ limit: 50, scope: { organisations: ['RX1'] } });
    expect(alerts[0]).toEqual({
      accessId: glass.accessId,
      kind: 'break-glass',
      acknowledgement: null,
      occurredAt: glass.occurredAt,
      actor,
      nhsNumber,
      outcome: 'allowed',
      reason: breakGlass.reason,
      expiresAt: breakGlass.expiresAt,
    });
    expect(alerts.map((alert) => alert.accessId)).not.toContain(readUnderIt.accessId);
  });

  it('alerts claims and every third refused break-glass of a user, scoped to the reviewed organisations, acknowledged once', async () => {
    const nhsNumber = nextTestNhsNumber();
    const claimant = { userId: uniqueName('claimant'), role: 'gp', organisation: 'RXC' };
    const claim = accessEvent({
      nhsNumber,
      actor: claimant,
      action: 'claim-relationship',
      entriesShown: null,
      basis: 'claim',
      claim: { reason: 'falls clinic referral', expiresAt: new Date(Date.now() + 86_400_000) },
    });
    await trail.record(claim);
    const refuser = { userId: uniqueName('refuser'), role: 'urgent-care', organisation: 'RXC' };
    const refusals = Array.from({ length: 4 }, () =>
      accessEvent({
        nhsNumber,
        actor: refuser,
        action: 'break-glass',
        outcome: 'denied',
        entriesShown: null,
      }),
    );
    for (const refusal of refusals) await trail.record(refusal);
    const scope = { organisations: ['RXC'] };
    const alerts = await trail.privacyAlerts({ limit: 50, scope });
    const mine = alerts.filter((alert) =>
      [claimant.userId, refuser.userId].includes(alert.actor.userId),
    );
    expect(mine.map((alert) => [alert.kind, alert.accessId])).toEqual([
      ['repeated-refusals', refusals[2]?.accessId],
      ['claim', claim.accessId],
    ]);
    expect(await trail.privacyAlerts({ limit: 50, scope: { organisations: ['ZZ999'] } })).toEqual(
      [],
    );
    const review = { by: claimant, outcome: 'appropriate' as const, note: null, at: new Date() };
    await expect(
      trail.acknowledgeAlert(claim.accessId, review, { organisations: ['ZZ999'] }),
    ).rejects.toMatchObject({ code: 'alert-not-found' });
    const acknowledged = await trail.acknowledgeAlert(claim.accessId, review, scope);
    expect(acknowledged.acknowledgement?.outcome).toBe('appropriate');
    await expect(trail.acknowledgeAlert(claim.accessId, review, scope)).rejects.toMatchObject({
      code: 'alert-already-acknowledged',
    });
    const log = await trail.accessLog(nhsNumber, { limit: 10 });
    expect(log.at(-1)).toMatchObject({
      basis: 'claim',
      claim: { reason: 'falls clinic referral' },
    });
    expect(await verifyAuditChain(dataSource, { schema })).toMatchObject({ ok: true });
  });

  it("gives a patient's access log newest first, in pages, and no one else's", async () => {
    const patient = nextTestNhsNumber();
    const mine = [
      accessEvent({ nhsNumber: patient, action: 'read-record' }),
      accessEvent({
        nhsNumber: patient,
        action: 'read-journal',
        outcome: 'denied',
        entriesShown: null,
        actor: { userId: 'sw-1', role: 'social-worker', organisation: 'LA123' },
      }),
      accessEvent({ nhsNumber: patient, action: 'read-access-log', entriesShown: null }),
    ];
    for (const event of mine) {
      await trail.record(event);
      await trail.record(accessEvent());
    }

    const log = await trail.accessLog(patient, { limit: 10 });
    expect(log.map((entry) => entry.accessId)).toEqual(
      [...mine].reverse().map((event) => event.accessId),
    );
    expect(log[1]).toMatchObject({
      occurredAt: mine[1]?.occurredAt,
      actor: { userId: 'sw-1', role: 'social-worker', organisation: 'LA123' },
      action: 'read-journal',
      outcome: 'denied',
      entriesShown: null,
      breakGlass: null,
    });

    const firstPage = await trail.accessLog(patient, { limit: 2 });
    const nextPage = await trail.accessLog(patient, { limit: 2, before: firstPage.at(-1)?.seq });
    expect([...firstPage, ...nextPage]).toEqual(log);
    expect(await trail.accessLog(nextTestNhsNumber(), { limit: 10 })).toEqual([]);
  });

  it('keeps a malformed requested id as it was given', async () => {
    const event = accessEvent({ nhsNumber: '12345', outcome: 'denied', entriesShown: null });
    await trail.record(event);
    expect((await trail.accessLog('12345', { limit: 1 }))[0]?.accessId).toBe(event.accessId);
  });

  it('records a retried event once, and refuses another event under a used accessId', async () => {
    const event = accessEvent();
    const first = await trail.record(event);
    const again = await trail.record(event);
    expect(again.seq).toBe(first.seq);
    expect(again.hash).toBe(first.hash);
    await expect(trail.record({ ...event, outcome: 'denied' })).rejects.toMatchObject({
      code: 'access-id-reused',
    });
    const [count] = await dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM "${schema}".access_event WHERE access_id = $1`,
      [event.accessId],
    );
    expect(count?.n).toBe(1);
  });

  it('keeps the row when the broker is down, says so, and publishes on a retry', async () => {
    const down = new AuditTrail(dataSource, createKafka('audit-down-test', ['127.0.0.1:1']), {
      schema,
      topic,
    });
    const event = accessEvent();
    const failure = await down
      .record(event)
      .catch((error: unknown) => error)
      .finally(() => down.disconnect());
    expect(failure).toBeInstanceOf(AuditPublishError);
    expect(failure).toMatchObject({ code: 'audit-publish-failed', accessId: event.accessId });
    const [row] = await dataSource.query<Array<{ seq: string }>>(
      `SELECT seq FROM "${schema}".access_event WHERE access_id = $1`,
      [event.accessId],
    );
    expect(Number(row?.seq)).toBe((failure as AuditPublishError).seq);

    const retried = await trail.record(event);
    expect(retried.seq).toBe((failure as AuditPublishError).seq);
    const [message] = await readPartition(kafka, topic, retried.partition, retried.offset);
    expect(message?.key?.toString()).toBe(event.accessId);
    expect(await verifyAuditChain(dataSource, { schema })).toMatchObject({ ok: true });
  });

  it('refuses to change or remove a recorded row', async () => {
    await expect(
      dataSource.query(`UPDATE "${schema}".access_event SET outcome = 'denied' WHERE seq = 1`),
    ).rejects.toThrow(/append-only/);
    await expect(
      dataSource.query(`DELETE FROM "${schema}".access_event WHERE seq = 1`),
    ).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`TRUNCATE "${schema}".access_event CASCADE`)).rejects.toThrow(
      /append-only/,
    );
  });

  it('refuses an access event it could not chain faithfully, writing nothing', async () => {
    const before = await seqs();
    await expect(trail.record(accessEvent({ accessId: 'not-a-uuid' }))).rejects.toMatchObject({
      code: 'invalid-access-event',
      field: 'accessId',
    });
    expect(await seqs()).toEqual(before);
  });
});
