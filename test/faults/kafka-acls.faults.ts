import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { AUDIT_TOPIC, kafkaUser, recordEntryTopic } from '@carelog/kafka';
import { clusterBrokers, clusterClientConfig } from '@carelog/local-infra/production';

/**
 * Each service is its own Kafka principal, and the broker refuses what its ACLs do not allow
 * (libs/kafka/src/service-access.ts): a service holding another service's credentials can do
 * only what that service may, never more.
 */
const asService = async (service: string): Promise<Kafka> =>
  new Kafka({ ...(await clusterClientConfig(kafkaUser(service))), retry: { retries: 1 } });

const anEntry = () => ({ key: randomUUID(), value: Buffer.from('acl test: not an entry') });

async function produceAs(service: string, topic: string): Promise<void> {
  const producer = (await asService(service)).producer({ idempotent: true, retry: { retries: 1 } });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [anEntry()] });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads one message of the topic from its start as the service, in a group of its own.
 * kafkajs reports a refused group lookup only as "coordinator not found", so the broker's
 * own error codes are collected from its debug log and given with the failure.
 */
async function readAs(service: string, topic: string, groupId: string): Promise<void> {
  const brokerErrors = new Set<string>();
  const collect = () => (entry: LogEntry) => {
    const error = (entry.log as unknown as { error?: { type?: unknown } }).error;
    if (typeof error?.type === 'string') brokerErrors.add(error.type);
  };
  const kafka = new Kafka({
    ...(await clusterClientConfig(kafkaUser(service))),
    retry: { retries: 1 },
    logLevel: logLevel.DEBUG,
    logCreator: collect,
  });
  const consumer = kafka.consumer({ groupId, retry: { retries: 1 } });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolvePromise, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      void consumer.run({ eachMessage: () => Promise.resolve(resolvePromise()) }).catch(reject);
    });
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    if (typeof type === 'string') brokerErrors.add(type);
    throw new Error(`refused: ${[...brokerErrors].sort().join(', ')}`);
  } finally {
    await consumer.disconnect();
  }
}

describe('Kafka ACLs on the production profile', () => {
  it('lets a producer publish to its own topic', async () => {
    await expect(
      produceAs('social-care', recordEntryTopic('social-care')),
    ).resolves.toBeUndefined();
  });

  it('refuses the social-care principal writing to the GP topic', async () => {
    await expect(produceAs('social-care', recordEntryTopic('gp'))).rejects.toThrow(
      /Topic authorization failed/,
    );
  });

  it('refuses the record API writing to the analytics feed', async () => {
    await expect(produceAs('record-api', 'carelog.analytics.record-entries.v1')).rejects.toThrow(
      /Topic authorization failed/,
    );
  });

  it('refuses a producer principal reading the audit topic, even in a group it names', async () => {
    await expect(
      readAs('gp-records', AUDIT_TOPIC, `carelog-audit-verify-${randomUUID()}`),
    ).rejects.toThrow(/refused: .*(TOPIC|GROUP)_AUTHORIZATION_FAILED/);
  });

  it('refuses the record API, which writes the audit topic, reading it', async () => {
    await expect(
      readAs('record-api', AUDIT_TOPIC, `carelog-audit-verify-${randomUUID()}`),
    ).rejects.toThrow(/refused: .*(TOPIC|GROUP)_AUTHORIZATION_FAILED/);
  });

  it('lets the audit verifier read the audit topic', async () => {
    await produceAs('record-api', AUDIT_TOPIC);
    await expect(
      readAs('audit-verify', AUDIT_TOPIC, `carelog-audit-verify-${randomUUID()}`),
    ).resolves.toBeUndefined();
  });

  it('refuses a wrong password and a client without TLS and SASL', async () => {
    const config: KafkaConfig = await clusterClientConfig(kafkaUser('gp-records'));
    const wrong = new Kafka({
      ...config,
      sasl: { mechanism: 'scram-sha-512', username: kafkaUser('gp-records'), password: 'guessed' },
      retry: { retries: 0 },
    }).admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    const plain = new Kafka({
      clientId: 'acl-test-plain',
      brokers: clusterBrokers(),
      connectionTimeout: 2000,
      requestTimeout: 4000,
      retry: { retries: 0 },
    }).admin();
    await expect(plain.connect()).rejects.toThrow();
    await plain.disconnect();
  });
});
