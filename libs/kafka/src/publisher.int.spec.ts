import { loadEventCodec } from '@carelog/codec';
import { exampleEvent, nextTestNhsNumber, readPartition, uniqueName } from '@carelog/testing';
import type { Kafka } from 'kafkajs';
import { createKafka } from './client';
import { MAX_BYTES_PER_PRODUCE, RecordEntryPublisher, type PublishedPosition } from './publisher';
import { recordEntryTopic } from './topics';

/**
 * Counts the Produce requests sent by the producers this client makes, from kafkajs's own
 * instrumentation events (not from the publisher's account of itself).
 */
function countProduceRequests(kafka: Kafka): () => number {
  let requests = 0;
  const producerOf = kafka.producer.bind(kafka);
  kafka.producer = (config) => {
    const producer = producerOf(config);
    producer.on(producer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'Produce') requests++;
    });
    return producer;
  };
  return () => requests;
}

/** The publisher the producer services use, against the real broker, on topics of its own. */
describe('RecordEntryPublisher against real Kafka', () => {
  const codec = loadEventCodec();
  const saved = process.env['CARELOG_TOPIC_PREFIX'];
  process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('publisher');
  const topic = recordEntryTopic('gp');
  const kafka = createKafka('publisher-int-test');
  const produceRequests = countProduceRequests(kafka);
  const publisher = new RecordEntryPublisher(kafka, codec, [topic]);

  afterAll(async () => {
    await publisher.disconnect();
    process.env['CARELOG_TOPIC_PREFIX'] = saved;
  });

  const eventIdAt = async ({ topic: at, partition, offset }: PublishedPosition) => {
    const [message] = await readPartition(kafka, at, partition, offset);
    return message?.value ? codec.decode(message.value).event.eventId : undefined;
  };

  it('given concurrent publishes, when they are sent, then they share produce requests and each answers its own event’s position', async () => {
    await publisher.connect();
    const before = publisher.produceStats;
    const requestsBefore = produceRequests();
    const events = Array.from({ length: 60 }, () =>
      exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() }),
    );
    const positions = await Promise.all(events.map((event) => publisher.publish(topic, event)));
    const after = publisher.produceStats;
    expect(after.events - before.events).toBe(60);
    // Counted by kafkajs as it sent them: a few produce requests carried the 60 events.
    expect(produceRequests() - requestsBefore).toBe(after.requests - before.requests);
    expect(produceRequests() - requestsBefore).toBeLessThanOrEqual(5);
    for (const [i, position] of positions.entries())
      expect(await eventIdAt(position)).toBe(events[i]?.eventId);
  }, 60_000);

  it('given one patient’s events published together, then they are on one partition in the order published', async () => {
    const nhsNumber = nextTestNhsNumber();
    const events = Array.from({ length: 20 }, () =>
      exampleEvent('ConsultationRecorded', { nhsNumber }),
    );
    const positions = await Promise.all(events.map((event) => publisher.publish(topic, event)));
    expect(new Set(positions.map((position) => position.partition)).size).toBe(1);
    const offsets = positions.map((position) => BigInt(position.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(offsets).size).toBe(20);
  }, 60_000);

  it('given patients’ events interleaved and published together, then each is in the log once, and each patient’s in the order published', async () => {
    const patients = Array.from({ length: 8 }, () => nextTestNhsNumber());
    const events = Array.from({ length: 160 }, (_, i) =>
      exampleEvent('ConsultationRecorded', { nhsNumber: patients[i % patients.length] as string }),
    );
    const positions = await Promise.all(events.map((event) => publisher.publish(topic, event)));
    const logged = new Map<string, string[]>();
    for (const partition of new Set(positions.map((position) => position.partition))) {
      const first = positions
        .filter((position) => position.partition === partition)
        .map((position) => BigInt(position.offset))
        .reduce((a, b) => (a < b ? a : b));
      for (const message of await readPartition(kafka, topic, partition, String(first))) {
        if (!message.value) continue;
        const { event } = codec.decode(message.value);
        logged.set(event.patient.nhsNumber, [
          ...(logged.get(event.patient.nhsNumber) ?? []),
          event.eventId,
        ]);
      }
    }
    for (const nhsNumber of patients)
      expect(logged.get(nhsNumber)).toEqual(
        events.filter((event) => event.patient.nhsNumber === nhsNumber).map((e) => e.eventId),
      );
  }, 60_000);

  it('given long entries of one patient published together, then they go in produce requests the broker accepts, and all are recorded', async () => {
    const nhsNumber = nextTestNhsNumber();
    // 20,000 characters of free text each (its limit): 64 of them are over the broker's 1 MiB
    // limit on one partition's batch, which would refuse them all if they shared one request.
    const narrative = 'Breathless on exertion. '.repeat(834).slice(0, 20_000);
    const events = Array.from({ length: 64 }, () => {
      const event = exampleEvent('ConsultationRecorded', { nhsNumber });
      return { ...event, payload: { ...event.payload, narrative } };
    });
    expect(events.length * narrative.length).toBeGreaterThan(1024 * 1024);
    const before = publisher.produceStats;
    const positions = await Promise.all(events.map((event) => publisher.publish(topic, event)));
    const after = publisher.produceStats;
    expect(after.requests - before.requests).toBeGreaterThanOrEqual(
      Math.ceil((events.length * narrative.length) / MAX_BYTES_PER_PRODUCE),
    );
    for (const [i, position] of positions.entries())
      expect(await eventIdAt(position)).toBe(events[i]?.eventId);
  }, 60_000);

  it('given a produce request the broker refuses, then every event waiting in it fails as broker-unavailable, none is recorded, and the next publish succeeds', async () => {
    // One partition whose batches may hold little more than one entry: one entry alone is
    // accepted, the entries below sharing a request are refused together.
    const small = `${topic}-small`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: small,
            numPartitions: 1,
            configEntries: [{ name: 'max.message.bytes', value: '4000' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const nhsNumber = nextTestNhsNumber();
    const first = await publisher.publish(
      small,
      exampleEvent('ConsultationRecorded', { nhsNumber }),
    );
    const requestsBefore = produceRequests();
    const together = Array.from({ length: 20 }, () =>
      exampleEvent('ConsultationRecorded', { nhsNumber }),
    );
    const outcomes = await Promise.allSettled(
      together.map((event) => publisher.publish(small, event)),
    );
    expect(produceRequests() - requestsBefore).toBeLessThan(together.length);
    for (const outcome of outcomes)
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: { code: 'broker-unavailable' },
      });
    const after = exampleEvent('ConsultationRecorded', { nhsNumber });
    const next = await publisher.publish(small, after);
    const logged = await readPartition(kafka, small, 0, first.offset);
    expect(
      logged.map((message) => message.value && codec.decode(message.value).event.eventId),
    ).toEqual([await eventIdAt(first), after.eventId]);
    expect(BigInt(next.offset)).toBe(BigInt(first.offset) + 1n);
  }, 60_000);

  it('given an unreachable broker, then every publish fails as broker-unavailable', async () => {
    const down = new RecordEntryPublisher(
      createKafka('publisher-int-down', ['127.0.0.1:1']),
      codec,
      [topic],
    );
    const event = exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() });
    await expect(down.publish(topic, event)).rejects.toMatchObject({ code: 'broker-unavailable' });
  }, 60_000);
});
