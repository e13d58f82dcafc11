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
export { failureName, PollingLoop, type PollingLoopOptions } from './polling-loop';
