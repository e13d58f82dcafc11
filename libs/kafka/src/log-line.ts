import { randomUUID } from 'node:crypto';
import { setting } from '@carelog/config';
import { context, createContextKey, trace, type Context } from '@opentelemetry/api';

/**
 * One log shape for every carelog process (docs/architecture.md, "API contract"; issue #19 part 5): each
 * line one JSON object on stderr (stdout stays for a command's output), whoever wrote it —
 * Nest, kafkajs, TypeORM or carelog's own code:
 *
 *   {"time":"2026-12-03T03:40:00.000Z","level":"info","service":"gp-records",
 *    "logger":"http","message":"request answered","traceId":"…","spanId":"…",
 *    "requestId":"…", …fields}
 *
 * `traceId` and `spanId` are the active OpenTelemetry span's (the HTTP request's, or the
 * consumed event's), `requestId` the HTTP request's. Fields are scalars chosen by the caller;
 * a line never carries record content or NHS numbers: callers log codes, counts, route
 * templates and type names, never messages of errors that may quote data.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogField = string | number | boolean | undefined;
export type LogFields = Readonly<Record<string, LogField>>;

/** The keys every line has, in this order, before its own fields. */
export const LOG_LINE_KEYS = ['time', 'level', 'service', 'logger', 'message'] as const;

/** The request id an HTTP request runs under, kept in the OpenTelemetry context. */
const REQUEST_ID = createContextKey('carelog.request-id');

/** A caller's `X-Request-Id` is kept only when it is a plain token; otherwise a new one is made. */
const REQUEST_ID_FORMAT = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestIdFrom = (header: string | readonly string[] | undefined): string =>
  typeof header === 'string' && REQUEST_ID_FORMAT.test(header) ? header : randomUUID();

export const withRequestId = (parent: Context, requestId: string): Context =>
  parent.setValue(REQUEST_ID, requestId);

/** A CARELOG_LOG_LEVEL value as libs/config reads it (case-insensitive; unset: info). */
export const parseLogLevel = (value: string | undefined): LogLevel =>
  setting('CARELOG_LOG_LEVEL', { CARELOG_LOG_LEVEL: value });

/**
 * The level while the process starts: a wrong CARELOG_LOG_LEVEL gives `info` here, because an
 * import must not throw; the start-up check (libs/config) then refuses it in one line.
 */
function levelAtImport(): LogLevel {
  try {
    return setting('CARELOG_LOG_LEVEL');
  } catch {
    return 'info';
  }
}

export interface LogSettings {
  service: string;
  level: LogLevel;
  sink: (line: string) => void;
}

const settings: LogSettings = {
  service: 'carelog',
  level: levelAtImport(),
  sink: (line) => process.stderr.write(`${line}\n`),
};

/** Names the process in every line and, optionally, replaces the level or where lines go. */
export function configureLogging(changes: Partial<LogSettings>): void {
  Object.assign(settings, changes);
}

export const logLevelEnabled = (level: LogLevel): boolean =>
  LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(settings.level);

/** The line for one event, in `activeContext` (pure apart from reading that context). */
export function formatLogLine(
  line: {
    time: Date;
    level: LogLevel;
    service: string;
    logger: string;
    message: string;
    fields?: LogFields;
  },
  activeContext: Context = context.active(),
): string {
  const record: Record<string, LogField> = {
    time: line.time.toISOString(),
    level: line.level,
    service: line.service,
    logger: line.logger,
    message: line.message,
  };
  const span = trace.getSpanContext(activeContext);
  if (span && trace.isSpanContextValid(span)) {
    record['traceId'] = span.traceId;
    record['spanId'] = span.spanId;
  }
  const requestId = activeContext.getValue(REQUEST_ID);
  if (typeof requestId === 'string') record['requestId'] = requestId;
  for (const [key, value] of Object.entries(line.fields ?? {}))
    if (value !== undefined && !(key in record)) record[key] = value;
  return JSON.stringify(record);
}

/** Writes one line when `level` is enabled. */
export function writeLog(
  level: LogLevel,
  logger: string,
  message: string,
  fields?: LogFields,
): void {
  if (!logLevelEnabled(level)) return;
  settings.sink(
    formatLogLine({ time: new Date(), level, service: settings.service, logger, message, fields }),
  );
}

/**
 * The frames of a stack trace without its first line, which repeats the error's message (and
 * a database error's message can quote the value it refused).
 */
export const stackFrames = (stack: string | undefined): string | undefined => {
  const frames = stack
    ?.split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim());
  return frames && frames.length > 0 ? frames.join(' | ') : undefined;
};
