export * from './topics';
export { createKafka, configuredBrokers, kafkaLogFields } from './client';
export * from './log-line';
export {
  RecordEntryPublisher,
  BrokerUnavailableError,
  RETRY_AFTER_SECONDS,
  ENTRY_TYPE_HEADER,
  CONTENT_TYPES,
  kafkaMetricsRegistry,
  SCHEMA_FINGERPRINT_HEADER,
  SCHEMA_ID_HEADER,
  type PublishedPosition,
} from './publisher';
export { ProducerConnection } from './producer-connection';
export * from './failure-policy';
export { checkStorable } from './storable-event';
export {
  ConsumerLagMonitor,
  consumerMetrics,
  LAG_REFRESH_MS,
  lagInto,
  type ConsumerMetrics,
  type PartitionLag,
} from './consumer-lag';
export { DLQ_HEADERS, deadLetter, headerText, sourceOf, type SourcePosition } from './dead-letters';
export {
  BATCH_HEARTBEAT_MS,
  CheckpointedConsumer,
  type CheckpointedConsumerOptions,
  type ConsumedBatch,
  type LogPosition,
  type PositionedEvent,
} from './checkpointed-consumer';
export {
  readDeadLetters,
  readPartitionToEnd,
  redriveDeadLetters,
  type DeadLetterEntry,
  type Progress,
  type RedriveResult,
} from './dead-letter-tools';
export { kafkaSecurity, type KafkaSaslMechanism, type KafkaSecurityProtocol } from './security';
export {
  aclEntries,
  applyServiceAccess,
  CONSUMER_GROUPS,
  KAFKA_ADMIN_USER,
  kafkaUser,
  PRODUCER_DOMAINS,
  serviceAccess,
  type Grant,
  type Operation,
  type ServiceAccess,
} from './service-access';
export { asyncApiDocument, AVRO_SCHEMA_FORMAT } from './asyncapi';
export {
  REGISTRY_TIMEOUT_MS,
  SCHEMA_REGISTRY_URL_SETTING,
  SchemaRegistryClient,
  SchemaRegistryUnavailableError,
  schemaRegistryFromEnv,
} from './schema-registry';
export {
  contextFromHeaders,
  inSpan,
  SpanKind,
  SpanStatusCode,
  startSpan,
  startTracing,
  traceContext,
  traceHeaders,
  trace,
  TRACER_NAME,
} from './tracing';
