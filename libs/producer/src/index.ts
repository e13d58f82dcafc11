export {
  ProducerModule,
  EntryRecorderModule,
  EntryRecorder,
  type ProducerServiceOptions,
  acceptedOf,
  type Accepted,
  type RecordedEarlier,
} from './producer.module';
export {
  decideEntry,
  decideAcknowledgement,
  decideEscalation,
  eventIdFor,
  TASK_ESCALATOR,
  decideHomeReadingFlag,
  HOME_READING_RULES,
  type FlaggedEntryFacts,
  type ProducerContext,
  type SubmitEntryCommand,
} from './entry-decision';
export { entryBodySchema, payloadSchemaOf } from './openapi';
