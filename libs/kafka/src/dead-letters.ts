import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { ClassifiedFailure } from './failure-policy';

/** The headers a dead letter carries, besides the original message's own. */
export const DLQ_HEADERS = {
  code: 'carelog-dlq-code',
  reason: 'carelog-dlq-reason',
  group: 'carelog-dlq-group',
  at: 'carelog-dlq-at',
  sourceTopic: 'carelog-source-topic',
  sourcePartition: 'carelog-source-partition',
  sourceOffset: 'carelog-source-offset',
  eventId: 'carelog-event-id',
} as const;

/** Where a message was first written, before any dead-lettering and re-drive. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

export const headerText = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

/**
 * A re-driven message keeps the position of its first writing in its headers: that, not the
 * re-drive topic, is where the event came from (a projection takes its setting from it).
 */
export function sourceOf(message: KafkaMessage, readAt: SourcePosition): SourcePosition {
  const topic = headerText(message.headers, DLQ_HEADERS.sourceTopic);
  const partition = Number(headerText(message.headers, DLQ_HEADERS.sourcePartition));
  const offset = headerText(message.headers, DLQ_HEADERS.sourceOffset);
  if (topic && Number.isInteger(partition) && offset && /^\d+$/.test(offset))
    return { topic, partition, offset };
  return readAt;
}

/** The dead letter for `message`: its own key, bytes and headers, with why and where from. */
export function deadLetter(
  message: KafkaMessage,
  failure: ClassifiedFailure,
  context: { consumerGroup: string; source: SourcePosition; eventId?: string },
): { key: Buffer | null; value: Buffer | null; headers: IHeaders } {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {}))
    if (value !== undefined && !name.startsWith('carelog-dlq-')) headers[name] = value;
  Object.assign(headers, {
    [DLQ_HEADERS.code]: failure.code,
    [DLQ_HEADERS.reason]: failure.reason,
    [DLQ_HEADERS.group]: context.consumerGroup,
    [DLQ_HEADERS.at]: new Date().toISOString(),
    [DLQ_HEADERS.sourceTopic]: context.source.topic,
    [DLQ_HEADERS.sourcePartition]: String(context.source.partition),
    [DLQ_HEADERS.sourceOffset]: context.source.offset,
  });
  if (context.eventId) headers[DLQ_HEADERS.eventId] = context.eventId;
  return { key: message.key, value: message.value, headers };
}
