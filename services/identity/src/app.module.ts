import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { setting } from '@carelog/config';
import {
  HealthController,
  MetricsModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@carelog/nest-platform';
import { configuredDatabaseUrl } from '@carelog/read-model';
import { Pool } from 'pg';
import { identitySettingsFromEnv } from './identity-settings';
import { connectedSystemsFromEnv } from './token-endpoint/connected-systems';
import { TokenController } from './token-endpoint/token.controller';
import { UsedAssertions } from './token-endpoint/used-assertions';
import { CONNECTED_SYSTEMS, IDENTITY_DATABASE, IDENTITY_SETTINGS } from './tokens';

class IdentityLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(IDENTITY_DATABASE) private readonly pool: Pool,
    private readonly used: UsedAssertions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.used.migrate();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Module({
  imports: [MetricsModule],
  controllers: [TokenController, HealthController],
  providers: [
    { provide: IDENTITY_SETTINGS, useFactory: () => identitySettingsFromEnv() },
    { provide: CONNECTED_SYSTEMS, useFactory: () => connectedSystemsFromEnv() },
    {
      provide: IDENTITY_DATABASE,
      useFactory: () =>
        new Pool({
          connectionString: configuredDatabaseUrl(),
          max: 5,
          application_name: 'carelog-identity',
        }),
    },
    {
      provide: UsedAssertions,
      inject: [IDENTITY_DATABASE],
      useFactory: (pool: Pool) => new UsedAssertions(pool, setting('CARELOG_IDENTITY_SCHEMA')),
    },
    {
      provide: IdentityLifecycle,
      inject: [IDENTITY_DATABASE, UsedAssertions],
      useFactory: (pool: Pool, used: UsedAssertions) => new IdentityLifecycle(pool, used),
    },
    {
      provide: READINESS_CHECKS,
      inject: [UsedAssertions],
      useFactory: (used: UsedAssertions): ReadinessCheck[] => [
        { name: 'used-assertions', isReady: () => used.isReady() },
      ],
    },
  ],
})
export class IdentityModule {}
