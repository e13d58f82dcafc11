export { ProducerModule, type ProducerServiceOptions } from './producer.module';
export {
  decideEntry,
  eventIdFor,
  MAX_CLOCK_SKEW_MS,
  type ProducerContext,
  type SubmitEntryCommand,
} from './entry-decision';
