import { Kafka, logLevel, type LogEntry } from 'kafkajs';

export const DEFAULT_LOCAL_BROKERS = '127.0.0.1:19092';

export const configuredBrokers = (): string[] =>
  (process.env['KAFKA_BROKERS'] ?? DEFAULT_LOCAL_BROKERS).split(',').map((broker) => broker.trim());

const LEVEL_NAMES: Record<number, string> = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' };

/** kafkajs log lines as one JSON object each; they carry broker metadata, never message content. */
const jsonLogCreator = () => (entry: LogEntry) => {
  const { message, ...rest } = entry.log;
  process.stderr.write(
    `${JSON.stringify({ level: LEVEL_NAMES[entry.level] ?? entry.level, logger: `kafkajs.${entry.namespace}`, msg: message, ...rest })}\n`,
  );
};

export function createKafka(clientId: string, brokers: string[] = configuredBrokers()): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: jsonLogCreator,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
  });
}
