export { ProducerModule, type ProducerServiceOptions } from './producer.module';
export {
  decideEntry,
  eventIdFor,
  type ProducerContext,
  type SubmitEntryCommand,
} from './entry-decision';
