export { eventually } from './eventually';
export { uniqueName } from './unique';
export { testNhsNumber, nextTestNhsNumber } from './nhs-numbers';
export { requestJson, type JsonResponse } from './http';
export { readPartition } from './kafka';
export { describeProducerService, type ProducerServiceUnderTest } from './producer-contract';
export { datedBefore, exampleEvent, type ExampleEventOptions } from './events';
export {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from './webhook-receiver';
export { openEventStream, type OpenEventStream, type ServerSentEvent } from './event-stream';
export { TestIssuer, unsignedToken, type SignOptions } from './test-issuer';
export {
  CORPUS_CASE_HEADER,
  HOSTILE_KINDS,
  consumerSeries,
  countByCase,
  deadLettersOf,
  endOffsets,
  expectEachHostileDeadLetteredOnce,
  hostileCorpus,
  publishCorpus,
  type CorpusMessage,
  type DeadLetterSeen,
} from './hostile-corpus';
export { givenCareRelationships, type GivenRelationship } from './care-relationships';
export { fhirR4Problems } from './fhir-r4-validator';
export { OpenApiAnswers } from './openapi-answers';
export {
  accessibilityViolations,
  launchTestBrowser,
  screenshotTo,
  WCAG_22_AA,
  type AxeViolation,
  type TestBrowser,
} from './browser';
export { startSchemaRegistry, type RunningSchemaRegistry } from './schema-registry';
export {
  linksOf,
  openApiDocumentOf,
  openApiGaps,
  operationIdOf,
  operationsOf,
} from './openapi-document';
export {
  DeciderSpecification,
  refusalOf,
  type DecisionUnderTest,
  type ExpectedDecision,
} from './decider-specification';
