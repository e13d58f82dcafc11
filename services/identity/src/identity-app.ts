import { createHttpService } from '@carelog/nest-platform';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IdentityModule } from './app.module';

/** The identity service's HTTP application, as `main` serves it and tests start it. */
export async function createIdentityApp(): Promise<NestExpressApplication> {
  const app = await createHttpService({
    name: 'identity',
    description:
      "Issues connected source systems' access tokens (OAuth 2 client credentials with a signed JWT assertion) and publishes the platform issuer's keys.",
    module: IdentityModule,
  });
  // OAuth 2 token requests are form-encoded (RFC 6749 section 4.4).
  app.useBodyParser('urlencoded', { extended: false, limit: '16kb' });
  return app;
}
