export { ProblemDetailsFilter, problemFor, type ProblemDetails } from './problem-details.filter';
export { HealthController, NotReadyError, READINESS_CHECKS, type ReadinessCheck } from './health';
export { MetricsModule, metricsRegistry } from './metrics';
export {
  AnyCallerGuard,
  CallerGuard,
  CallerModule,
  CurrentAnyCaller,
  CurrentCaller,
} from './caller.guard';
export {
  createHttpService,
  listen,
  portFromEnv,
  runMain,
  serveHttp,
  type HttpServiceOptions,
  type ServiceMain,
} from './http-service';
export {
  checkPath,
  checkQueryString,
  jsonDepth,
  MAX_HEADER_BYTES,
  MAX_JSON_DEPTH,
  MAX_QUERY_LENGTH,
} from './http-boundary';
export {
  ApiAnswer,
  ApiNhsNumberParam,
  ApiOutcomes,
  IDEMPOTENCY_KEY,
  ApiProblems,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  nullable,
  objectSchema,
  openApiDocument,
  OPERATION_OUTCOME_SCHEMA,
  PROBLEM_SCHEMA,
  schemaComponent,
  type LinkObject,
  type OpenApiOptions,
  type ProblemStatus,
  type ReferenceObject,
  type SchemaObject,
} from './openapi';
export { failureName, PollingLoop, type PollingLoopOptions } from './polling-loop';
export { PgListener, type PgListenerOptions } from './pg-listener';
