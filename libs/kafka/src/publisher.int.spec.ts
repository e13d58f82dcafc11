import { loadEventCodec } from '@carelog/codec';
import { exampleEvent, nextTestNhsNumber, readPartition, uniqueName } from '@carelog/testing';
import { createKafka } from './client';
import { RecordEntryPublisher, type PublishedPosition } from './publisher';
import { recordEntryTopic } from './topics';

/** The publisher the producer services use, against the real broker, on topics of its own. */
describe('RecordEntryPublisher against real Kafka', () => {
  const codec = loadEventCodec();
  const saved = process.env['CARELOG_TOPIC_PREFIX'];
  process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('publisher');
  const topic = recordEntryTopic('gp');
  const kafka = createKafka('publisher-int-test');
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
    const events = Array.from({ length: 60 }, () =>
      exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() }),
    );
    const positions = await Promise.all(events.map((event) => publisher.publish(topic, event)));
    const after = publisher.produceStats;
    expect(after.events - before.events).toBe(60);
    expect(after.requests - before.requests).toBeLessThan(60);
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
