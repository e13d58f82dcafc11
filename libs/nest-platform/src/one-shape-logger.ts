import type { LoggerService } from '@nestjs/common';
import { DomainError } from '@carelog/domain';
import { stackFrames, writeLog, type LogFields, type LogLevel } from '@carelog/kafka';

const looksLikeStack = (value: unknown): value is string =>
  typeof value === 'string' && /\n\s+at /.test(value);

/**
 * What Nest passes a logger, as the one log shape's logger, message and fields. Nest calls
 * `log(message, context?)` and `error(message, stack?, context?)`: the last string is the
 * context (the logger's name), a string with stack frames is a stack. An Error as the message
 * is logged by its type and frames only: its message may quote data.
 */
export function nestLogEvent(
  message: unknown,
  rest: readonly unknown[],
): { logger: string; message: string; fields: LogFields } {
  const strings = rest.filter((value): value is string => typeof value === 'string');
  const stack = strings.find(looksLikeStack);
  const context = strings.filter((value) => value !== stack).at(-1);
  const logger = context ? `nest.${context}` : 'nest';
  // A DomainError's message is written to be shown (a start-up setting missing, say).
  if (message instanceof DomainError)
    return {
      logger,
      message: `${message.code}: ${message.message}`,
      fields: { stack: stackFrames(message.stack) },
    };
  if (message instanceof Error)
    return {
      logger,
      message: `unexpected ${message.name}`,
      fields: { stack: stackFrames(message.stack) },
    };
  const text =
    typeof message === 'string'
      ? message
      : typeof message === 'object' && message !== null
        ? `${message.constructor?.name ?? 'object'} logged`
        : String(message);
  return { logger, message: text, fields: { stack: stackFrames(stack) } };
}

/** Nest's logger, writing the one log shape (libs/kafka/src/log-line.ts). */
export class OneShapeLogger implements LoggerService {
  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    const event = nestLogEvent(message, rest);
    writeLog(level, event.logger, event.message, event.fields);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
}
