import { metricsRegistry } from '@carelog/nest-platform';
import { Counter, Gauge } from 'prom-client';

export const exportedEntries = new Counter({
  name: 'carelog_analytics_exported_total',
  help: 'Entries published to the analytics feed',
  registers: [metricsRegistry],
});
export const excludedEntries = new Counter({
  name: 'carelog_analytics_excluded_total',
  help: 'Entries kept off the analytics feed, by reason (opt-outs, protected categories, consent decisions)',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});
export const consumerLag = new Gauge({
  name: 'carelog_analytics_consumer_lag',
  help: 'Messages on the log not yet read by the export, for every topic-partition (same as carelog_consumer_lag of its group)',
  labelNames: ['topic', 'partition'],
  registers: [metricsRegistry],
});
export const awaitingConsent = new Gauge({
  name: 'carelog_analytics_awaiting_consent_entries',
  help: 'Entries read but not yet decided: waiting for the consent watermark to pass their recordedAt',
  registers: [metricsRegistry],
});
export const consentWatermarkLag = new Gauge({
  name: 'carelog_analytics_consent_watermark_lag_seconds',
  help: 'How far the consent watermark is behind the clock',
  registers: [metricsRegistry],
});
export const deadLetters = new Counter({
  name: 'carelog_analytics_dead_letters_total',
  help: 'Events the export could never read, sent to its dead-letter topic',
  registers: [metricsRegistry],
});
