import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import {
  createKafka,
  deadLetterTopic,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  recordEntryTopics,
  recordTopicSpec,
  type CheckpointedConsumer,
} from '@carelog/kafka';
import {
  EntryVersionRow,
  migrateReadModel,
  readModelDataSource,
  recordAsAt,
  RecordEntryRow,
} from '@carelog/read-model';
import {
  eventually,
  exampleEvent,
  nextTestNhsNumber,
  readPartition,
  uniqueName,
} from '@carelog/testing';
import type { Admin, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { projectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

/**
 * The lifelong record projected from real topics of this test's own (CARELOG_TOPIC_PREFIX)
 * into a real Postgres schema of its own.
 */
describe('the lifelong-record projection', () => {
  const codec = loadEventCodec();
  const prefix = uniqueName('lifelong');
  const group = uniqueName('lifelong-group');
  const schema = uniqueName('read_model_lifelong');
  const previousPrefix = process.env['CARELOG_TOPIC_PREFIX'];
  let kafka: ReturnType<typeof createKafka>;
  let admin: Admin;
  let producer: Producer;
  let dataSource: DataSource;
  let consumer: CheckpointedConsumer;

  const t = (minutes: number) => new Date(Date.UTC(2026, 3, 1, 9, minutes));
  const send = async (events: UncheckedRecordEntryEvent[], raw: Buffer[] = []) => {
    await producer.send({
      topic: recordEntryTopic('gp'),
      acks: -1,
      messages: [
        ...events.map((event) => ({ key: event.patient.nhsNumber, value: codec.encode(event) })),
        ...raw.map((value) => ({ key: 'poison', value })),
      ],
    });
  };
  /** Waits until the read model has taken in everything now on the topics. */
  const caughtUp = async () => {
    const ends = await Promise.all(
      recordEntryTopics().map(async (topic) => ({
        topic,
        // A broker that has just created the topic may not answer as its leader yet.
        offsets: await eventually(() => admin.fetchTopicOffsets(topic)),
      })),
    );
    await eventually(async () => {
      const writer = new RecordWriter(dataSource);
      for (const { topic, offsets } of ends) {
        for (const { partition, high } of offsets) {
          if (high === '0') continue;
          expect(await writer.checkpoints.read({ consumerGroup: group, topic, partition })).toBe(
            BigInt(high),
          );
        }
      }
    });
  };

  beforeAll(async () => {
    process.env['CARELOG_TOPIC_PREFIX'] = prefix;
    kafka = createKafka('lifelong-test');
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [...platformTopics(), recordTopicSpec(deadLetterTopic(group), 1)]);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    dataSource = readModelDataSource({ applicationName: 'lifelong-test', schema });
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    consumer = projectionConsumer(kafka, codec, new RecordWriter(dataSource), group);
    await consumer.start();
  });

  afterAll(async () => {
    await consumer.stop();
    await producer.disconnect();
    await admin
      .deleteTopics({ topics: [...recordEntryTopics(), deadLetterTopic(group)] })
      .catch(() => undefined);
    await admin.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
    process.env['CARELOG_TOPIC_PREFIX'] = previousPrefix;
  });

  const nhsNumber = nextTestNhsNumber();
  const original = exampleEvent('ConsultationRecorded', {
    nhsNumber,
    recordedAt: t(0),
    payload: { narrative: 'Cough, 2 days.', codedItems: [] },
  });
  const amendment = exampleEvent('ConsultationRecorded', {
    nhsNumber,
    recordedAt: t(10),
    occurredAt: original.occurredAt,
    payload: { narrative: 'Cough, 2 weeks.', codedItems: [] },
    supersedes: { eventId: original.eventId, reason: 'duration mistyped' },
  });
  const mistake = exampleEvent('AllergyRecorded', { nhsNumber, recordedAt: t(5) });
  const inError = exampleEvent('EntryEnteredInError', {
    nhsNumber,
    recordedAt: t(20),
    payload: {
      entryEventId: mistake.eventId,
      entryType: 'AllergyRecorded',
      reason: 'wrong patient',
    },
  });

  describe('an amended entry and an entry entered in error', () => {
    beforeAll(async () => {
      await send([original, mistake, amendment, inError]);
      await caughtUp();
    });

    it('shows an amended entry in its current version and keeps every version', async () => {
      const entry = await dataSource
        .getRepository(RecordEntryRow)
        .findOneByOrFail({ eventId: original.eventId });
      expect(entry).toMatchObject({
        currentEventId: amendment.eventId,
        versionCount: 2,
        status: 'current',
        payload: { narrative: 'Cough, 2 weeks.' },
      });
      const versions = await dataSource
        .getRepository(EntryVersionRow)
        .find({ where: { entryId: original.eventId }, order: { recordedAt: 'ASC' } });
      expect(versions.map((version) => version.payload['narrative'])).toEqual([
        'Cough, 2 days.',
        'Cough, 2 weeks.',
      ]);
      expect(versions[1]?.supersedesReason).toBe('duration mistyped');
    });

    it('takes an entry entered in error out of the record and keeps it in the history', async () => {
      const entry = await dataSource
        .getRepository(RecordEntryRow)
        .findOneByOrFail({ eventId: mistake.eventId });
      expect(entry).toMatchObject({
        status: 'entered-in-error',
        enteredInErrorReason: 'wrong patient',
      });
      expect(
        await dataSource.getRepository(EntryVersionRow).countBy({ entryId: mistake.eventId }),
      ).toBe(2);
    });

    it('reproduces the record as it stood at any past moment', async () => {
      const narratives = async (at: Date) =>
        (await recordAsAt(dataSource, nhsNumber, at)).map((entry) => [
          entry.entryType,
          entry.payload['narrative'] ?? null,
        ]);
      expect(await narratives(t(-1))).toEqual([]);
      expect(await narratives(t(1))).toEqual([['ConsultationRecorded', 'Cough, 2 days.']]);
      expect((await narratives(t(6))).map(([type]) => type).sort()).toEqual([
        'AllergyRecorded',
        'ConsultationRecorded',
      ]);
      expect(await narratives(t(15))).toContainEqual(['ConsultationRecorded', 'Cough, 2 weeks.']);
      expect(await narratives(t(25))).toEqual([['ConsultationRecorded', 'Cough, 2 weeks.']]);
    });
  });

  describe('attention tasks', () => {
    const carer = { role: 'care-worker', organisation: 'LA0001', reason: 'skin tear, dressed' };
    /** A flagged entry and its steps, for a patient of its own: each test stands alone. */
    const flaggedVisit = () => {
      const patient = nextTestNhsNumber();
      const flagged = exampleEvent('CareVisitRecorded', {
        nhsNumber: patient,
        organisation: 'LA0001',
        recordedAt: t(30),
        attention: { role: 'community-nurse', organisation: 'RY448', reason: 'skin tear' },
      });
      const step = (type: string, minutes: number, payload: Record<string, unknown>) =>
        exampleEvent(type, {
          nhsNumber: patient,
          recordedAt: t(minutes),
          attention: null,
          payload: { entryEventId: flagged.eventId, entryType: 'CareVisitRecorded', ...payload },
          author: { userId: 'nurse-1', role: 'community-nurse', organisation: 'RY448' },
        });
      return {
        patient,
        flagged,
        escalation: step('AttentionEscalated', 40, {
          level: 1,
          unacknowledgedSeconds: 600,
          escalatedTo: { role: 'gp', organisation: 'RY448' },
        }),
        acknowledgement: step('AttentionAcknowledged', 45, { note: 'visiting today' }),
        lateAcknowledgement: step('AttentionAcknowledged', 50, { note: null }),
        task: () =>
          dataSource.query<Array<Record<string, unknown>>>(
            `SELECT status, recipient_role, recipient_organisation, reason, escalation_level, escalated_to_role,
                    acknowledged_by, acknowledgement_event_id FROM attention_task WHERE task_id = $1`,
            [flagged.eventId],
          ),
      };
    };

    it('opens a task for the role and organisation an entry is flagged for', async () => {
      const { flagged, task } = flaggedVisit();
      await send([flagged]);
      await caughtUp();
      expect(await task()).toEqual([
        expect.objectContaining({
          status: 'open',
          recipient_role: 'community-nurse',
          recipient_organisation: 'RY448',
          reason: 'skin tear',
          escalation_level: 0,
        }),
      ]);
    });

    it('records an escalation, then the first acknowledgement; a later one stays in the history only', async () => {
      const { patient, flagged, escalation, acknowledgement, lateAcknowledgement, task } =
        flaggedVisit();
      await send([flagged]);
      await caughtUp();
      await send([escalation, acknowledgement, lateAcknowledgement]);
      await caughtUp();
      expect(await task()).toEqual([
        expect.objectContaining({
          status: 'acknowledged',
          escalation_level: 1,
          escalated_to_role: 'gp',
          acknowledged_by: { userId: 'nurse-1', role: 'community-nurse', organisation: 'RY448' },
          acknowledgement_event_id: acknowledgement.eventId,
        }),
      ]);
      expect(
        await dataSource
          .getRepository(EntryVersionRow)
          .countBy({ nhsNumber: patient, entryType: 'AttentionAcknowledged' }),
      ).toBe(2);
      // Task steps are not entries of the record.
      expect(
        await dataSource
          .getRepository(RecordEntryRow)
          .countBy({ eventId: acknowledgement.eventId }),
      ).toBe(0);
    });

    it('changes no task when its events are delivered again', async () => {
      const { flagged, escalation, acknowledgement, lateAcknowledgement, task } = flaggedVisit();
      await send([flagged, escalation, acknowledgement, lateAcknowledgement]);
      await caughtUp();
      const before = await task();
      expect(before).toEqual([expect.objectContaining({ status: 'acknowledged' })]);
      await send([flagged, escalation, acknowledgement]);
      await caughtUp();
      expect(await task()).toEqual(before);
    });

    it('follows an amendment that changes whom the entry is flagged for, and withdraws the task of an entry entered in error', async () => {
      const other = exampleEvent('CareVisitRecorded', {
        nhsNumber,
        organisation: 'LA0001',
        recordedAt: t(31),
        attention: { role: 'gp', organisation: 'A81001', reason: 'fall' },
      });
      const reflagged = exampleEvent('CareVisitRecorded', {
        nhsNumber,
        organisation: 'LA0001',
        recordedAt: t(32),
        occurredAt: other.occurredAt,
        attention: carer,
        supersedes: { eventId: other.eventId, reason: 'for our own team first' },
      });
      const withdrawn = exampleEvent('EntryEnteredInError', {
        nhsNumber,
        organisation: 'LA0001',
        recordedAt: t(33),
        payload: {
          entryEventId: other.eventId,
          entryType: 'CareVisitRecorded',
          reason: 'wrong patient',
        },
      });
      await send([other, reflagged]);
      await caughtUp();
      const of = (taskId: string) =>
        dataSource.query<Array<{ status: string; recipient_role: string }>>(
          `SELECT status, recipient_role FROM attention_task WHERE task_id = $1`,
          [taskId],
        );
      expect(await of(other.eventId)).toEqual([{ status: 'open', recipient_role: 'care-worker' }]);
      await send([withdrawn]);
      await caughtUp();
      expect(await of(other.eventId)).toEqual([
        { status: 'withdrawn', recipient_role: 'care-worker' },
      ]);
    });
  });

  it('ends the maternity service’s access a grace period after a discharge, never later than it would have', async () => {
    const mother = nextTestNhsNumber();
    const booked = exampleEvent('MaternityBookingRecorded', {
      nhsNumber: mother,
      organisation: 'R1H',
      recordedAt: t(40),
    });
    const discharged = exampleEvent('MaternityDischargeRecorded', {
      nhsNumber: mother,
      organisation: 'R1H',
      recordedAt: t(41),
      occurredAt: t(41),
    });
    const dischargedAgain = exampleEvent('MaternityDischargeRecorded', {
      nhsNumber: mother,
      organisation: 'R1H',
      recordedAt: t(50),
      occurredAt: t(50),
    });
    await send([booked, discharged, dischargedAgain]);
    await caughtUp();
    const rows = await dataSource.query<Array<{ ended_at: Date | null; expires_at: Date | null }>>(
      `SELECT ended_at, expires_at FROM care_relationship WHERE nhs_number = $1 AND organisation = 'R1H'`,
      [mother],
    );
    expect(rows).toEqual([
      { ended_at: null, expires_at: new Date(t(41).getTime() + 336 * 3_600_000) },
    ]);
  });

  it('changes nothing when the same events are delivered again', async () => {
    const snapshot = async () =>
      dataSource.query<unknown[]>(
        `SELECT (SELECT json_agg(r ORDER BY r.event_id) FROM record_entry r) AS entries,
                (SELECT json_agg(v ORDER BY v.event_id) FROM (SELECT event_id, entry_id, payload FROM entry_version) v) AS versions,
                (SELECT json_agg(c ORDER BY c.started_by_event_id) FROM care_relationship c) AS relationships,
                (SELECT json_agg(t ORDER BY t.task_id) FROM attention_task t) AS tasks`,
      );
    await send([original, mistake, amendment, inError]);
    await caughtUp();
    const before = await snapshot();
    await send([original, mistake, amendment, inError]);
    await caughtUp();
    expect(await snapshot()).toEqual(before);
  });

  it('sends poison events to the dead-letter topic with the reason, and projects the good ones around them', async () => {
    const good = [
      exampleEvent('ReferralMade', { nhsNumber }),
      exampleEvent('LetterReceived', { nhsNumber }),
    ];
    const badNhs = {
      ...exampleEvent('PatientNoteAdded', { nhsNumber }),
      patient: { nhsNumber: '1234567890' },
    };
    const current = codec.catalogue.current('PatientNoteAdded');
    if (!current) throw new Error('no schema');
    const undecodable = Buffer.from('{"not":"avro"}');
    const failsValidation = codec.encodeWith(current, badNhs);
    await producer.send({
      topic: recordEntryTopic('gp'),
      acks: -1,
      messages: [
        { key: nhsNumber, value: codec.encode(good[0] as UncheckedRecordEntryEvent) },
        { key: nhsNumber, value: undecodable },
        { key: nhsNumber, value: failsValidation },
        { key: nhsNumber, value: codec.encode(good[1] as UncheckedRecordEntryEvent) },
      ],
    });
    await caughtUp();
    for (const event of good) {
      expect(
        await dataSource.getRepository(RecordEntryRow).countBy({ eventId: event.eventId }),
      ).toBe(1);
    }
    const dead = await readPartition(kafka, deadLetterTopic(group), 0);
    const reasons = dead.map((message) => [
      message.headers?.['carelog-dlq-code']?.toString(),
      message.value,
    ]);
    expect(reasons).toContainEqual(['not-single-object-encoded', undecodable]);
    expect(reasons).toContainEqual(['invalid-nhs-number', failsValidation]);
    expect(dead.every((message) => message.headers?.['carelog-dlq-reason']?.toString())).toBe(true);
  });
});
