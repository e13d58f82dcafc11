import { writeLog } from '@carelog/kafka';
import type { Logger as TypeOrmLogger, QueryRunner } from 'typeorm';

/**
 * TypeORM's own loggers print query parameters, which here are NHS numbers and record
 * content. This one reports failures by SQL text and Postgres error code only, in the one
 * log shape (libs/kafka/src/log-line.ts).
 */
export class ParameterFreeLogger implements TypeOrmLogger {
  logQuery(): void {}

  logQueryError(
    error: string | Error,
    query: string,
    _parameters?: unknown[],
    _runner?: QueryRunner,
  ): void {
    const code = typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
    writeLog('error', 'typeorm', 'query failed', {
      code: typeof code === 'string' ? code : undefined,
      query: query.slice(0, 200),
    });
  }

  logQuerySlow(time: number, query: string): void {
    writeLog('warn', 'typeorm', 'slow query', { ms: time, query: query.slice(0, 200) });
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    writeLog('info', 'typeorm', message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') writeLog('warn', 'typeorm', String(message));
  }
}
