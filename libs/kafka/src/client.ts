import { setting, type Environment } from '@carelog/config';
import { DomainError } from '@carelog/domain';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { writeLog, type LogField, type LogFields, type LogLevel } from './log-line';
import { keepIdleRequestQueuesIdle } from './request-queue-idle';
import { kafkaSecurity } from './security';
import { endFetchersOfStoppedConsumers } from './stopped-consumer-fetch';

export const configuredBrokers = (): string[] => [...setting('KAFKA_BROKERS')];

const LEVELS: Record<number, LogLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

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
] as const;

/** The fields of a kafkajs log entry that may be written, the error described safely. */
export function kafkaLogFields(log: Readonly<Record<string, unknown>>): LogFields {
  const fields: Record<string, LogField> = {};
  for (const field of SAFE_FIELDS) {
    const value = log[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[field] = value;
  }
  const error = log['error'];
  // kafkajs's own errors are protocol messages and DomainError messages are written to be
  // logged; anything else is described by its type only.
  if (typeof error === 'string') fields['error'] = error;
  else if (error instanceof DomainError) fields['error'] = `${error.code}: ${error.message}`;
  else if (error instanceof Error) fields['error'] = error.name;
  return fields;
}

/** kafkajs log lines in the one log shape (log-line.ts), never message content. */
const logCreator = () => (entry: LogEntry) =>
  writeLog(
    LEVELS[entry.level] ?? 'info',
    `kafkajs.${entry.namespace}`,
    entry.log.message,
    kafkaLogFields(entry.log),
  );

/** A kafkajs client as this process's own principal (TLS and SASL from the environment). */
export function createKafka(
  clientId: string,
  brokers: string[] = configuredBrokers(),
  env?: Environment,
): Kafka {
  keepIdleRequestQueuesIdle();
  endFetchersOfStoppedConsumers();
  return new Kafka({
    clientId,
    brokers,
    ...kafkaSecurity(env),
    logLevel: logLevel.WARN,
    logCreator,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
  });
}
