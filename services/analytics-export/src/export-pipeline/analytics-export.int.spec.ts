import { randomBytes } from 'node:crypto';
import { loadAnalyticsCodec, loadEventCodec, type AnalyticsRecordEntry } from '@carelog/codec';
import type { SourceDomain } from '@carelog/domain';
import {
  analyticsCountsTopic,
  analyticsEntriesTopic,
  createKafka,
  deadLetterTopic,
  RecordEntryPublisher,
  recordEntryTopic,
} from '@carelog/kafka';
import { eventually, exampleEvent, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { Consumer, IHeaders } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { PseudonymKey } from '../pseudonymised-entry/pseudonym-key';
import { AnalyticsExport } from './analytics-export';
import { exportDataSource } from './export-store';

// Topics of this test's own on the shared broker: names are read when used.
process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('analytics-int');

const codec = loadEventCodec();
const analyticsCodec = loadAnalyticsCodec();
const kafka = createKafka('analytics-export-int-test');
const key = new PseudonymKey(randomBytes(32).toString('hex'));
const MARGIN_MS = 2000;

interface Received {
  topic: string;
  key: string;
  value: Buffer;
  headers: IHeaders;
}

/** Everything published to the feed, the counts and the dead-letter topic, as it arrives. */
async function collect(topics: string[]): Promise<{ consumer: Consumer; received: Received[] }> {
  const received: Received[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('analytics-int-reader') });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ topic, message }) => {
      received.push({
        topic,
        key: message.key?.toString() ?? '',
        value: message.value ?? Buffer.alloc(0),
        headers: message.headers ?? {},
      });
      return Promise.resolve();
    },
  });
  return { consumer, received };
}

describe('analytics export against real Kafka and Postgres', () => {
  const organisation = `T${randomBytes(3).toString('hex').toUpperCase()}`;
  const consumerGroup = uniqueName('analytics-int');
  const schema = uniqueName('analytics_int');
  let dataSource: DataSource;
  let pipeline: AnalyticsExport;
  let publisher: RecordEntryPublisher;
  let reader: { consumer: Consumer; received: Received[] };

  beforeAll(async () => {
    dataSource = exportDataSource({ schema, applicationName: 'analytics-export-int-test' });
    pipeline = new AnalyticsExport(kafka, dataSource, {
      key,
      precision: 'day',
      consumerGroup,
      publishMarginMs: MARGIN_MS,
    });
    await pipeline.start();
    publisher = new RecordEntryPublisher(kafka, codec);
    await publisher.connect();
    reader = await collect([
      analyticsEntriesTopic(),
      analyticsCountsTopic(),
      deadLetterTopic(consumerGroup),
    ]);
  });

  afterAll(async () => {
    await reader.consumer.disconnect();
    await pipeline.stop();
    await publisher.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  const feed = (): Array<AnalyticsRecordEntry & { messageKey: string; bytes: Buffer }> =>
    reader.received
      .filter((message) => message.topic === analyticsEntriesTopic())
      .map((message) => ({
        ...(analyticsCodec.decode(message.value).event as AnalyticsRecordEntry),
        messageKey: message.key,
        bytes: message.value,
      }));

  const publishEntry = (domain: SourceDomain, type: string, nhsNumber: string, recordedAt?: Date) =>
    publisher.publish(
      recordEntryTopic(domain),
      exampleEvent(type, { nhsNumber, organisation, ...(recordedAt ? { recordedAt } : {}) }),
    );

  const optOut = (nhsNumber: string, optOutType: string, recordedAt?: Date) =>
    publisher.publish(
      recordEntryTopic('patient'),
      exampleEvent('OptOutRecorded', {
        nhsNumber,
        ...(recordedAt ? { recordedAt } : {}),
        payload: { optOutType, effective: true },
      }),
    );

  const stagedOf = async (nhsNumber: string) =>
    dataSource.query<Array<{ released_at: Date | null; outcome: string | null }>>(
      `SELECT released_at, outcome FROM "${schema}".staged_entry WHERE patient_pseudonym = $1`,
      [key.patient(nhsNumber)],
    );

  it('exports the entries of patients who have not opted out, and never those of patients who have', async () => {
    const everyone = nextTestNhsNumber();
    const nationalOptOut = nextTestNhsNumber();
    const type1OptOut = nextTestNhsNumber();
    const lateOptOut = nextTestNhsNumber();

    const withdrew = nextTestNhsNumber();
    const sharingOnly = nextTestNhsNumber();
    await optOut(nationalOptOut, 'national-data-opt-out');
    await optOut(type1OptOut, 'type-1');
    await optOut(withdrew, 'national-data-opt-out');
    await publisher.publish(
      recordEntryTopic('patient'),
      exampleEvent('OptOutWithdrawn', {
        nhsNumber: withdrew,
        payload: { optOutType: 'national-data-opt-out' },
      }),
    );
    await optOut(sharingOnly, 'record-sharing');
    const started = Date.now();
    for (const patient of [everyone, nationalOptOut, type1OptOut, withdrew, sharingOnly]) {
      await publishEntry('gp', 'ConsultationRecorded', patient);
      await publishEntry('social-care', 'CareVisitRecorded', patient);
    }

    // The watermark case: the opt-out was recorded before the entries, but Kafka delivers it
    // after them, on another topic. Their recordedAt lies ahead, so the watermark cannot pass
    // them before the opt-out is read, however slow this machine is.
    const entriesRecordedAt = new Date(Date.now() + 10_000);
    await publishEntry('gp', 'ConsultationRecorded', lateOptOut, entriesRecordedAt);
    await publishEntry('social-care', 'CareVisitRecorded', lateOptOut, entriesRecordedAt);
    await eventually(async () => expect(await stagedOf(lateOptOut)).toHaveLength(2));
    // A release pass now, with the opt-out not yet read, must leave them waiting.
    await pipeline.releases.releaseAll();
    expect((await stagedOf(lateOptOut)).every((row) => row.released_at === null)).toBe(true);
    await optOut(lateOptOut, 'national-data-opt-out', new Date(entriesRecordedAt.getTime() - 1000));

    const exportedFor = (nhsNumber: string) =>
      feed().filter((entry) => entry.patientPseudonym === key.patient(nhsNumber));
    await eventually(
      async () => {
        // A withdrawn opt-out, and a record-sharing opt-out (direct care), keep nothing off.
        for (const patient of [everyone, withdrew, sharingOnly])
          expect(
            exportedFor(patient)
              .map((entry) => entry.setting)
              .sort(),
          ).toEqual(['gp', 'social-care']);
        for (const patient of [nationalOptOut, type1OptOut, lateOptOut]) {
          const rows = await stagedOf(patient);
          expect(rows).toHaveLength(2);
          expect(rows.every((row) => row.released_at !== null)).toBe(true);
        }
      },
      { timeoutMs: 60_000 },
    );
    const firstExportMs = Date.now() - started;

    expect(exportedFor(nationalOptOut)).toEqual([]);
    expect(exportedFor(lateOptOut)).toEqual([]);
    expect(exportedFor(type1OptOut).map((entry) => entry.setting)).toEqual(['social-care']);
    expect((await stagedOf(lateOptOut)).map((row) => row.outcome)).toEqual([
      'national-data-opt-out',
      'national-data-opt-out',
    ]);
    expect((await stagedOf(type1OptOut)).map((row) => row.outcome).sort()).toEqual([
      'exported',
      'type-1-opt-out',
    ]);

    // Keyed by pseudonym; no NHS number of anyone, in any form, anywhere on the feed.
    for (const entry of feed()) {
      expect(entry.messageKey).toBe(entry.patientPseudonym);
      const text = entry.bytes.toString('latin1');
      for (const patient of [everyone, nationalOptOut, type1OptOut, lateOptOut, withdrew]) {
        expect(text).not.toContain(patient);
        expect(text).not.toContain(
          `${patient.slice(0, 3)} ${patient.slice(3, 6)} ${patient.slice(6)}`,
        );
      }
      expect(text).not.toContain('test-author');
    }
    process.stdout.write(
      `analytics export: first entries decided ${firstExportMs} ms after publishing (margin ${MARGIN_MS} ms)\n`,
    );
  });

  it('publishes counts per organisation, day and setting that match what was exported', async () => {
    const byKey = new Map<string, number>();
    for (const entry of feed()) {
      if (entry.organisation !== organisation) continue;
      const day = new Date(entry.occurredIn * 86_400_000).toISOString().slice(0, 10);
      const countKey = `${entry.organisation}|${day}|${entry.setting}`;
      byKey.set(countKey, (byKey.get(countKey) ?? 0) + 1);
    }
    expect([...byKey.values()].reduce((sum, n) => sum + n, 0)).toBe(7);
    await eventually(() => {
      const latest = new Map<string, number>();
      for (const message of reader.received) {
        if (message.topic !== analyticsCountsTopic()) continue;
        const counts = analyticsCodec.decode(message.value).event as {
          organisation: string;
          entriesExported: number;
        };
        if (counts.organisation === organisation) latest.set(message.key, counts.entriesExported);
      }
      expect(latest).toEqual(byKey);
    });
    const rows = await dataSource.query<Array<{ key: string; n: string }>>(
      `SELECT organisation || '|' || to_char(day, 'YYYY-MM-DD') || '|' || setting AS key, entries_exported AS n
       FROM "${schema}".entry_count WHERE organisation = $1`,
      [organisation],
    );
    expect(new Map(rows.map((row) => [row.key, Number(row.n)]))).toEqual(byKey);
  });

  it('prunes decided rows after a while, never rows still waiting for a decision', async () => {
    const waiting = nextTestNhsNumber();
    await publishEntry('gp', 'ConsultationRecorded', waiting, new Date(Date.now() + 3_600_000));
    await eventually(async () => expect(await stagedOf(waiting)).toHaveLength(1));
    const decided = await dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM "${schema}".staged_entry WHERE released_at IS NOT NULL`,
    );
    expect(Number(decided[0]?.n)).toBeGreaterThan(0);
    expect(await pipeline.store.pruneReleased(new Date(Date.now() + 60_000))).toBe(
      Number(decided[0]?.n),
    );
    expect(await stagedOf(waiting)).toHaveLength(1);
  });

  it('sends poison events to the dead-letter topic with the reason, and carries on', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const invalid = exampleEvent('ConsultationRecorded', { nhsNumber: '1234567890', organisation });
    const current = codec.catalogue.current('ConsultationRecorded');
    if (!current) throw new Error('no schema');
    await producer.send({
      topic: recordEntryTopic('gp'),
      acks: -1,
      messages: [
        { key: 'poison', value: Buffer.from('not avro at all') },
        // Schema-valid, but the NHS number fails its check: only the codec's rules catch it.
        { key: 'poison', value: codec.encodeWith(current, invalid) },
      ],
    });
    await producer.disconnect();
    const after = nextTestNhsNumber();
    await publishEntry('gp', 'ConsultationRecorded', after);

    await eventually(
      () => {
        const codes = reader.received
          .filter((message) => message.topic === deadLetterTopic(consumerGroup))
          .map((message) => message.headers['carelog-dlq-code']?.toString());
        expect(codes).toEqual(
          expect.arrayContaining(['not-single-object-encoded', 'invalid-nhs-number']),
        );
        expect(feed().some((entry) => entry.patientPseudonym === key.patient(after))).toBe(true);
      },
      { timeoutMs: 60_000 },
    );
  });
});
