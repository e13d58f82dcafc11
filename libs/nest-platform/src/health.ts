import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiProblem, objectSchema } from './openapi';

/** A dependency the service needs before it can do useful work (a broker, a database). */
export interface ReadinessCheck {
  name: string;
  isReady(): Promise<boolean>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/**
 * A failed readiness check: answered 503 as problem+json (`code` "not-ready") that names each
 * check and whether it passed, so that an operator (and a load balancer's log) sees which
 * dependency is away without reading the service's own log.
 */
export class NotReadyError extends Error {
  readonly code = 'not-ready';
  constructor(readonly checks: Record<string, boolean>) {
    super(
      `not ready: ${Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([name]) => name)
        .join(', ')}`,
    );
    this.name = 'NotReadyError';
  }
}

/**
 * `/health/live` (the process answers) and `/health/ready` (every readiness check passes).
 * A service lists it among its controllers and provides READINESS_CHECKS.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  @Get('live')
  @HttpCode(200)
  @ApiAnswer(
    200,
    'The process answers',
    objectSchema<{ status: 'up' }>({ status: { type: 'string', enum: ['up'] } }),
  )
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('ready')
  @ApiAnswer(
    200,
    'Every readiness check passes',
    objectSchema<{ status: 'ready'; checks: Record<string, boolean> }>({
      status: { type: 'string', enum: ['ready'] },
      checks: { type: 'object', additionalProperties: { type: 'boolean' } },
    }),
  )
  @ApiProblem(503, '`not-ready`: `checks` names each check and whether it passed')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, boolean> }> {
    const results = await Promise.all(
      this.checks.map(
        async (check) => [check.name, await check.isReady().catch(() => false)] as const,
      ),
    );
    const checks = Object.fromEntries(results);
    if (results.some(([, ok]) => !ok)) throw new NotReadyError(checks);
    return { status: 'ready', checks };
  }
}
