/**
 * Run in a child process by stopped-consumer-fetch.int.spec.ts, because the kafkajs defect it
 * stages freezes the whole process: a consumer on the real broker is stopped while its fetchers
 * are being rebuilt. Prints one line per step; "stopped" only if `disconnect()` returns.
 *
 *   node -r @swc-node/register stopped-consumer-fetch.scenario.ts <fixed|unfixed> <topic> <group>
 *
 * `fixed` uses createKafka (which applies stopped-consumer-fetch.ts); `unfixed` a plain kafkajs
 * client, as before the fix. The one thing staged is the broker list the consumer sees: a
 * phantom broker id is added beside the real ones (a fetcher for it finds no partitions and
 * waits out `maxWaitTimeInMs`, as a fetch to an idle broker does), then changed, as the list
 * changes when a broker is killed or comes back. Everything else is the real client on the
 * real broker.
 */
import { Kafka, logLevel } from 'kafkajs';
import { configuredBrokers, createKafka } from './client';

interface ConsumerGroupInternals {
  getNodeIds: (this: unknown) => number[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup') as {
  prototype: ConsumerGroupInternals;
};

function args(): { mode: 'fixed' | 'unfixed'; topic: string; groupId: string } {
  const [mode, topic, groupId] = process.argv.slice(2);
  if ((mode !== 'fixed' && mode !== 'unfixed') || !topic || !groupId) {
    process.stderr.write(
      'usage: stopped-consumer-fetch.scenario.ts <fixed|unfixed> <topic> <group>\n',
    );
    process.exit(2);
  }
  return { mode, topic, groupId };
}
const { mode, topic, groupId } = args();
const say = (line: string) => process.stdout.write(`${line}\n`);

let phantom = 1_000_001;
let changed = false;
let onFirstCheckAfterChange: (() => void) | undefined;
const realNodeIds = ConsumerGroup.prototype.getNodeIds;
ConsumerGroup.prototype.getNodeIds = function (this: unknown) {
  const ids = realNodeIds.call(this);
  if (changed && onFirstCheckAfterChange) {
    const fire = onFirstCheckAfterChange;
    onFirstCheckAfterChange = undefined;
    setImmediate(fire);
  }
  return ids.length === 0 ? ids : [...ids, phantom];
};

async function main(): Promise<void> {
  const kafka =
    mode === 'fixed'
      ? createKafka('stopped-consumer-fetch-scenario')
      : new Kafka({
          clientId: 'stopped-consumer-fetch-scenario',
          brokers: configuredBrokers(),
          logLevel: logLevel.NOTHING,
        });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 3000 });
  const producer = kafka.producer();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  let fetchesStarted = 0;
  consumer.on(consumer.events.FETCH_START, () => fetchesStarted++);
  let batches = 0;
  await consumer.run({
    eachBatch: () => {
      batches++;
      return Promise.resolve();
    },
  });
  // Two fetchers (the real broker's and the phantom's) have started their first waits.
  while (fetchesStarted < 2) await new Promise((resolve) => setTimeout(resolve, 50));
  say('fetching');

  // The broker list changes; a message wakes the real broker's fetcher, whose next fetch sees
  // the change and throws while the phantom's fetcher is still waiting. The consumer is
  // stopped in that window, as the projection stops its old consumer when following a switch.
  const stopping = new Promise<void>((resolve, reject) => {
    onFirstCheckAfterChange = () => {
      say('stopping');
      consumer.disconnect().then(resolve, reject);
    };
  });
  phantom = 1_000_002;
  changed = true;
  await producer.send({ topic, messages: [{ value: 'wake the fetcher' }] });
  await stopping;
  say(`stopped (${batches} batch${batches === 1 ? '' : 'es'} handled)`);
  await producer.disconnect();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
