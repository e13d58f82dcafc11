import type { Logger as TypeOrmLogger, QueryRunner } from 'typeorm';

/**
 * TypeORM's own loggers print query parameters, which here are NHS numbers and record
 * content. This one reports failures by SQL text and Postgres error code only.
 */
export class ParameterFreeLogger implements TypeOrmLogger {
  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  logQuery(): void {}

  logQueryError(
    error: string | Error,
    query: string,
    _parameters?: unknown[],
    _runner?: QueryRunner,
  ): void {
    const code = typeof error === 'object' ? (error as { code?: string }).code : undefined;
    this.write(
      JSON.stringify({
        level: 'error',
        logger: 'typeorm',
        msg: 'query failed',
        code,
        query: query.slice(0, 200),
      }),
    );
  }

  logQuerySlow(time: number, query: string): void {
    this.write(
      JSON.stringify({
        level: 'warn',
        logger: 'typeorm',
        msg: 'slow query',
        ms: time,
        query: query.slice(0, 200),
      }),
    );
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.write(JSON.stringify({ level: 'info', logger: 'typeorm', msg: message }));
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn')
      this.write(JSON.stringify({ level, logger: 'typeorm', msg: String(message) }));
  }
}
