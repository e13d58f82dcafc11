import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { DomainError } from '@carelog/domain';
import { kafkaLogFields } from './client';
import {
  configureLogging,
  formatLogLine,
  LOG_LINE_KEYS,
  parseLogLevel,
  requestIdFrom,
  stackFrames,
  withRequestId,
  writeLog,
} from './log-line';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const inSpan = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  traceFlags: TraceFlags.SAMPLED,
});
const time = new Date('2026-12-03T03:40:00.000Z');

describe('the one log shape', () => {
  it('starts every line with time, level, service, logger and message, then the fields', () => {
    const line = JSON.parse(
      formatLogLine(
        {
          time,
          level: 'warn',
          service: 'gp-records',
          logger: 'http',
          message: 'request answered',
          fields: { status: 503, route: '/v1/entries', absent: undefined },
        },
        ROOT_CONTEXT,
      ),
    ) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([...LOG_LINE_KEYS, 'status', 'route']);
    expect(line).toMatchObject({ time: '2026-12-03T03:40:00.000Z', level: 'warn', status: 503 });
  });

  it('carries the active trace, span and request ids', () => {
    const line = JSON.parse(
      formatLogLine(
        { time, level: 'info', service: 's', logger: 'l', message: 'm' },
        withRequestId(inSpan, 'req-1'),
      ),
    ) as Record<string, unknown>;
    expect(line).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, requestId: 'req-1' });
  });

  it('lets no field overwrite the shape (a field named message or traceId is dropped)', () => {
    const line = JSON.parse(
      formatLogLine(
        {
          time,
          level: 'info',
          service: 's',
          logger: 'l',
          message: 'the real message',
          fields: { message: 'forged', traceId: 'forged', level: 'error' },
        },
        inSpan,
      ),
    ) as Record<string, unknown>;
    expect(line).toMatchObject({ message: 'the real message', traceId: TRACE_ID, level: 'info' });
  });

  it('keeps a caller request id only when it is a plain token', () => {
    expect(requestIdFrom('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    for (const bad of ['a b', 'x\n{"level":"error"}', 'a'.repeat(129), '', undefined, ['a', 'b']])
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads the level setting, and refuses a level it does not know', () => {
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(() => parseLogLevel('verbose')).toThrow(/CARELOG_LOG_LEVEL/);
  });

  it('writes only lines at or above the level, to the sink', () => {
    const lines: string[] = [];
    configureLogging({ service: 'under-test', level: 'warn', sink: (line) => lines.push(line) });
    writeLog('info', 'x', 'not written');
    writeLog('error', 'x', 'written');
    expect(lines.map((line) => JSON.parse(line) as { message: string; service: string })).toEqual([
      expect.objectContaining({ message: 'written', service: 'under-test' }),
    ]);
  });

  it('keeps the frames of a stack, never its first line (the message, which may quote data)', () => {
    const error = new Error('invalid input syntax for type uuid: "9434765919"');
    const frames = stackFrames(error.stack);
    expect(frames).toMatch(/^at /);
    expect(frames).not.toContain('9434765919');
    expect(stackFrames('no frames here')).toBeUndefined();
  });
});

describe('kafkajs log entries', () => {
  it('keep broker metadata, and describe an unknown error by its type only', () => {
    const fields = kafkaLogFields({
      broker: '127.0.0.1:19092',
      partition: 3,
      error: new TypeError('payload 9434765919 could not be read'),
      stack: 'Error: 9434765919\n    at x',
      payload: { nhsNumber: '9434765919' },
    });
    expect(fields).toEqual({ broker: '127.0.0.1:19092', partition: 3, error: 'TypeError' });
  });

  it('keep the code and message of an error written to be logged', () => {
    expect(
      kafkaLogFields({ error: new DomainError('unknown-writer-schema', 'no schema') }),
    ).toEqual({
      error: 'unknown-writer-schema: no schema',
    });
  });
});
