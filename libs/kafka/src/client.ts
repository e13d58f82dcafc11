import { DomainError } from '@carelog/domain';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { kafkaSecurity } from './security';

export const DEFAULT_LOCAL_BROKERS = '127.0.0.1:19092';

export const configuredBrokers = (): string[] =>
  (process.env['KAFKA_BROKERS'] ?? DEFAULT_LOCAL_BROKERS).split(',').map((broker) => broker.trim());

const LEVEL_NAMES: Record<number, string> = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' };

/**
 * Only these kafkajs log fields are written. Others (an error's stack, a failed handler's
 * error object) can quote the record content or NHS numbers a handler was working on.
 */
const SAFE_FIELDS = [
  'broker',
  'clientId',
  'groupId',
  'topic',
  'partition',
  'offset',
  'retryCount',
  'retryTime',
  'correlationId',
];

/** kafkajs log lines as one JSON object each, with broker metadata and never message content. */
const jsonLogCreator = () => (entry: LogEntry) => {
  const fields = entry.log as unknown as Record<string, unknown>;
  const line: Record<string, unknown> = {
    level: LEVEL_NAMES[entry.level] ?? entry.level,
    logger: `kafkajs.${entry.namespace}`,
    msg: entry.log.message,
  };
  for (const field of SAFE_FIELDS) if (fields[field] !== undefined) line[field] = fields[field];
  const error = fields['error'];
  // kafkajs's own errors are protocol messages and DomainError messages are written to be
  // logged; anything else is described by its type only.
  if (typeof error === 'string') line['error'] = error;
  else if (error instanceof DomainError) line['error'] = `${error.code}: ${error.message}`;
  else if (error instanceof Error) line['error'] = error.name;
  process.stderr.write(`${JSON.stringify(line)}\n`);
};

/** A kafkajs client as this process's own principal (TLS and SASL from the environment). */
export function createKafka(
  clientId: string,
  brokers: string[] = configuredBrokers(),
  env: NodeJS.ProcessEnv = process.env,
): Kafka {
  return new Kafka({
    clientId,
    brokers,
    ...kafkaSecurity(env),
    logLevel: logLevel.WARN,
    logCreator: jsonLogCreator,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
  });
}
