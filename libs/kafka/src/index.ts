export * from './topics';
export { createKafka, configuredBrokers, DEFAULT_LOCAL_BROKERS } from './client';
export {
  RecordEntryPublisher,
  BrokerUnavailableError,
  RETRY_AFTER_SECONDS,
  type PublishedPosition,
} from './publisher';
export { ProducerConnection } from './producer-connection';
export {
  CheckpointedConsumer,
  type CheckpointedConsumerOptions,
  type ConsumedBatch,
  type LogPosition,
  type PositionedEvent,
} from './checkpointed-consumer';
