export {
  ProducerModule,
  EntryRecorderModule,
  EntryRecorder,
  type ProducerServiceOptions,
  type Accepted,
} from './producer.module';
export {
  decideEntry,
  decideAcknowledgement,
  decideEscalation,
  eventIdFor,
  TASK_ESCALATOR,
  type FlaggedEntryFacts,
  type ProducerContext,
  type SubmitEntryCommand,
} from './entry-decision';
