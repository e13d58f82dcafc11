import { Controller, Get, HttpCode, HttpException, Inject } from '@nestjs/common';

/** A dependency the service needs before it can do useful work (a broker, a database). */
export interface ReadinessCheck {
  name: string;
  isReady(): Promise<boolean>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/**
 * `/health/live` (the process answers) and `/health/ready` (every readiness check passes).
 * A service lists it among its controllers and provides READINESS_CHECKS.
 */
@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('ready')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, boolean> }> {
    const results = await Promise.all(
      this.checks.map(
        async (check) => [check.name, await check.isReady().catch(() => false)] as const,
      ),
    );
    const checks = Object.fromEntries(results);
    if (results.some(([, ok]) => !ok))
      throw new HttpException({ status: 'not-ready', checks }, 503);
    return { status: 'ready', checks };
  }
}
