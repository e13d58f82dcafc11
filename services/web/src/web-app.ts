import { dirname, join } from 'node:path';
import { createHttpService } from '@carelog/nest-platform';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { WebModule } from './app.module';

/** Pages may load only the web app's own styles and images; no inline script or style. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  if (!request.path.startsWith('/docs')) {
    response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    if (!request.path.startsWith('/assets')) response.setHeader('Cache-Control', 'no-store');
  }
  next();
}

/** A form posted from another site is refused (the cookie is SameSite=Strict too). */
function sameOriginForms(request: Request, response: Response, next: NextFunction): void {
  const origin = request.headers.origin;
  if (request.method === 'POST' && origin && origin !== 'null') {
    const host = request.headers.host;
    if (!host || new URL(origin).host !== host) {
      response.status(403).type('text').send('Forms are accepted only from this site.');
      return;
    }
  }
  next();
}

export const NHSUK_FRONTEND_DIST = join(
  dirname(require.resolve('nhsuk-frontend/package.json')),
  'dist',
  'nhsuk',
);

/** The people's web app: server-rendered pages in the NHS design system (README). */
export async function createWebApp(): Promise<NestExpressApplication> {
  const app = await createHttpService({
    name: 'web',
    description:
      "The people's web app: server-rendered pages for clinicians, care workers, patients, carers and privacy officers, calling the platform's APIs with the signed-in person's token.",
    module: WebModule,
  });
  app.useBodyParser('urlencoded', { extended: false, limit: '32kb' });
  app.use(securityHeaders, sameOriginForms);
  app.useStaticAssets(join(NHSUK_FRONTEND_DIST, 'nhsuk-frontend.min.css'), {
    prefix: '/assets/nhsuk-frontend.min.css',
  });
  app.useStaticAssets(join(NHSUK_FRONTEND_DIST, 'assets'), { prefix: '/assets' });
  app.disable('x-powered-by');
  return app;
}
