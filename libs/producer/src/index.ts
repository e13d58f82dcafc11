export {
  ProducerModule,
  EntryRecorderModule,
  EntryRecorder,
  type ProducerServiceOptions,
  type Accepted,
} from './producer.module';
export {
  decideEntry,
  eventIdFor,
  type ProducerContext,
  type SubmitEntryCommand,
} from './entry-decision';
