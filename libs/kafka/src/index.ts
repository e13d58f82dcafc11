export * from './topics';
export { createKafka, configuredBrokers, DEFAULT_LOCAL_BROKERS } from './client';
export { RecordEntryPublisher, BrokerUnavailableError, type PublishedPosition } from './publisher';
