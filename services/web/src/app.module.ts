import { Module } from '@nestjs/common';
import {
  HealthController,
  MetricsModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@carelog/nest-platform';
import { AssetsController } from './assets.controller';
import { LiveUpdatesController } from './live/live-updates.controller';
import { PatientController } from './patient/patient.controller';
import { PrivacyController } from './privacy/privacy.controller';
import { PLATFORM_CLIENT, PlatformClient } from './platform/platform-client';
import { RecordsController } from './records/records.controller';
import { WebSession } from './session/web-session';
import { SignInController } from './sign-in/sign-in.controller';
import { CareController } from './staff/care.controller';
import { TasksController } from './staff/tasks.controller';
import { WEB_SETTINGS, webSettingsFromEnv, type WebSettings } from './web-settings';

@Module({
  imports: [MetricsModule],
  controllers: [
    HealthController,
    AssetsController,
    SignInController,
    RecordsController,
    TasksController,
    CareController,
    PatientController,
    PrivacyController,
    LiveUpdatesController,
  ],
  providers: [
    { provide: WEB_SETTINGS, useFactory: () => webSettingsFromEnv() },
    {
      provide: PLATFORM_CLIENT,
      inject: [WEB_SETTINGS],
      useFactory: (settings: WebSettings) => new PlatformClient(settings.upstreams),
    },
    WebSession,
    // Ready as soon as it serves pages: a page that needs a service that is down says so in
    // words ("carelog cannot be reached right now"), so the web app never waits on another.
    { provide: READINESS_CHECKS, useValue: [] satisfies ReadinessCheck[] },
  ],
})
export class WebModule {}
