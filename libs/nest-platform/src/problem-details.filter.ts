import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { DomainError } from '@carelog/domain';
import { FHIR_JSON, operationOutcome } from '@carelog/fhir';
import { classifyFailure } from '@carelog/kafka';
import type { Request, Response } from 'express';
import { NotReadyError } from './health';

/** RFC 9457 problem details with carelog's stable `code`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  field?: string;
  instance?: string;
  /** On `not-ready`: each readiness check and whether it passed. */
  checks?: Record<string, boolean>;
}

/**
 * The one place error codes become HTTP statuses. Codes not listed are client errors (400).
 * A denied read and a patient that does not exist share `patient-not-found`, so that the
 * two cannot be told apart.
 */
const STATUS_BY_CODE: Record<string, number> = {
  'missing-token': 401,
  'invalid-token': 401,
  'invalid-client': 401,
  'not-permitted': 403,
  'reader-out-of-scope': 403,
  'person-required': 403,
  'role-not-mapped': 403,
  'role-not-selected': 403,
  'identity-proofing-insufficient': 403,
  'not-permitted-to-author': 403,
  'not-authoring-organisation': 403,
  'relationship-start-not-permitted': 403,
  'care-relationship-required': 403,
  'entry-type-not-registered': 403,
  'relationship-kind-required': 403,
  'patient-not-found': 404,
  'entry-not-found': 404,
  'subscription-not-found': 404,
  'route-not-found': 404,
  'task-not-found': 404,
  'alert-not-found': 404,
  'referral-not-found': 404,
  'resource-type-not-supported': 404,
  'resource-not-found': 404,
  'idempotency-key-reused': 409,
  'task-already-acknowledged': 409,
  'task-withdrawn': 409,
  'alert-already-acknowledged': 409,
  'baby-record-exists': 409,
  'payload-too-large': 413,
  'unsupported-charset': 415,
  'unsupported-content-encoding': 415,
  'headers-too-large': 431,
  'method-not-allowed': 405,
  'request-timeout': 408,
  'invalid-event': 422,
  'event-too-large': 422,
  'clinical-time-in-future': 422,
  'clinical-time-out-of-range': 422,
  'date-out-of-range': 422,
  'attention-recipient-unreachable': 422,
  'child-record-required': 422,
  'baby-nhs-number-required': 422,
  'broker-unavailable': 503,
  'database-unavailable': 503,
  'issuer-unavailable': 503,
  'schema-registry-unavailable': 503,
  'not-ready': 503,
};

/** The codes answered with a status (for the OpenAPI documents; 400 also takes every unlisted code). */
export const codesWithStatus = (status: number): string[] =>
  Object.entries(STATUS_BY_CODE)
    .filter(([, mapped]) => mapped === status)
    .map(([code]) => code);

const TYPE_BASE = 'https://carelog.dev/problems/';

export function problemFor(code: string, detail: string, field?: string): ProblemDetails {
  const status = STATUS_BY_CODE[code] ?? 400;
  return {
    type: `${TYPE_BASE}${code}`,
    title: code.replace(/-/g, ' ').replace(/^./, (first) => first.toUpperCase()),
    status,
    code,
    detail,
    ...(field ? { field } : {}),
  };
}

/** Errors that come from the HTTP layer before our code runs (body parsing, routing). */
function fromHttpException(exception: HttpException): ProblemDetails {
  const status = exception.getStatus();
  const cause = exception.cause as { type?: string } | undefined;
  const response = exception.getResponse() as { message?: unknown };
  if (
    status === 400 &&
    (cause?.type === 'entity.parse.failed' || /JSON/i.test(String(response.message)))
  ) {
    return problemFor('malformed-json', 'the request body is not valid JSON', 'body');
  }
  if (status === 413)
    return problemFor('payload-too-large', 'the request body is larger than the limit', 'body');
  if (status === 404) return problemFor('route-not-found', 'no such route');
  const detail = typeof response.message === 'string' ? response.message : exception.message;
  return { ...problemFor(`http-${status}`, detail), status };
}

/** An error Express or its body parser raised (http-errors): a client error with a status. */
const isHttpError = (error: unknown): error is { status: number; type?: unknown } =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as { status?: unknown }).status === 'number' &&
  (error as { status: number }).status >= 400 &&
  (error as { status: number }).status < 500;

/** body-parser's error types (and http-boundary's), as problems. */
const BODY_PROBLEMS: Record<string, [code: string, detail: string]> = {
  'entity.parse.failed': ['malformed-json', 'the request body is not valid JSON'],
  'entity.too.large': ['payload-too-large', 'the request body is larger than the limit'],
  'entity.too.deep': ['body-too-deep', 'the request body is nested too deeply'],
  'charset.unsupported': ['unsupported-charset', 'JSON bodies must be UTF-8'],
  'encoding.unsupported': [
    'unsupported-content-encoding',
    'the Content-Encoding is not one of identity, gzip, deflate or br',
  ],
  'request.size.invalid': ['malformed-body', 'the body does not match its Content-Length'],
  'request.aborted': ['malformed-body', 'the request was aborted before its body arrived'],
};

function fromHttpError(error: { status: number; type?: unknown }): ProblemDetails {
  const known = typeof error.type === 'string' ? BODY_PROBLEMS[error.type] : undefined;
  if (known) return problemFor(known[0], known[1], 'body');
  // e.g. a gzip or br Content-Encoding on a body that is not compressed that way.
  return {
    ...problemFor('malformed-body', 'the request body could not be read', 'body'),
    status: error.status,
  };
}

/**
 * A statement Postgres aborted in favour of concurrent work (deadlock_detected,
 * serialization_failure): the same request succeeds when retried. Seen when a read of the
 * serving views met the projection's switch-over DDL after a database restart (R3 fault test,
 * ci38: answered 500 before).
 */
const GAVE_WAY = new Set(['postgres-40P01', 'postgres-40001']);

/**
 * An unexpected error that means a dependency went away (the database restarting, a broker
 * unreachable) rather than a fault in carelog: answered 503 with Retry-After, so that a
 * client retries with the same Idempotency-Key instead of giving up on a 500 (a released
 * TypeORM query runner counts: it follows a connection the server terminated mid-request).
 */
export function unavailableProblem(exception: unknown): ProblemDetails | undefined {
  const failure = classifyFailure(exception);
  if (GAVE_WAY.has(failure.code))
    return problemFor(
      'database-unavailable',
      'the database gave way to concurrent work (a deadlock or a serialization conflict); retry later',
    );
  if (failure.kind !== 'unavailable') return undefined;
  return failure.code.startsWith('KafkaJS')
    ? problemFor(
        'broker-unavailable',
        'the event log is unavailable; nothing was recorded, retry later',
      )
    : problemFor('database-unavailable', 'the database is unavailable; retry later');
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    let problem: ProblemDetails;
    if (exception instanceof DomainError) {
      problem = problemFor(exception.code, exception.message, exception.field);
      const retryAfter = (exception as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    } else if (exception instanceof NotReadyError) {
      problem = { ...problemFor(exception.code, exception.message), checks: exception.checks };
    } else if (exception instanceof HttpException) {
      problem = fromHttpException(exception);
    } else if (isHttpError(exception)) {
      problem = fromHttpError(exception);
    } else {
      const route = `${request.method} ${(request.route as { path?: string } | undefined)?.path ?? 'unknown route'}`;
      const unavailable = unavailableProblem(exception);
      if (unavailable) {
        this.logger.warn(`${unavailable.code} on ${route}`);
        response.setHeader('Retry-After', '1');
        problem = unavailable;
      } else {
        // Logged by type only: an unexpected error's message may quote record content.
        this.logger.error(
          `unexpected ${(exception as Error)?.name ?? typeof exception} on ${route}`,
        );
        problem = problemFor('internal-error', 'an unexpected error occurred; it has been logged');
        problem.status = 500;
      }
    }
    sendProblem(request, response, problem);
  }
}

/** Answers a problem: problem+json, or on the FHIR API the same problem as an OperationOutcome. */
export function sendProblem(request: Request, response: Response, problem: ProblemDetails): void {
  if (request.path.startsWith('/fhir/'))
    response
      .status(problem.status)
      .type(FHIR_JSON)
      .send(JSON.stringify(operationOutcome(problem)));
  else
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
