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
import { OIDC_SIGN_IN, OidcSignIn } from './sign-in/oidc-sign-in';
import { oidcSettingsFromEnv } from './sign-in/oidc-settings';
import { TokenVerifier, verifierSettingsFromEnv } from '@carelog/auth';
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
    {
      // Sign-in with NHS CIS2 / NHS login: the issuers the APIs trust (README, "Signing in").
      provide: OIDC_SIGN_IN,
      inject: [WEB_SETTINGS],
      useFactory: async (settings: WebSettings) => {
        const oidc = oidcSettingsFromEnv();
        if (!oidc) return null;
        const verifier = new TokenVerifier(await verifierSettingsFromEnv());
        return new OidcSignIn(oidc, verifier, settings.sessionKey);
      },
    },
    // Ready as soon as it serves pages: a page that needs a service that is down says so in
    // words ("carelog cannot be reached right now"), so the web app never waits on another.
    { provide: READINESS_CHECKS, useValue: [] satisfies ReadinessCheck[] },
  ],
})
export class WebModule {}
