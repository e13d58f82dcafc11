import { ConsoleLogger, Logger, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { answerClientErrorsAsProblems, requestLineBoundary, verifyJsonBody } from './http-boundary';
import { ProblemDetailsFilter } from './problem-details.filter';

export interface HttpServiceOptions {
  /** The service's name, as in services/<name>. */
  name: string;
  description: string;
  module: Type<unknown>;
  /** Largest JSON body accepted; bigger bodies get 413 payload-too-large. */
  bodyLimit?: string;
}

/**
 * Creates a carelog HTTP service the same way everywhere: JSON logs, problem+json errors,
 * OpenAPI at /docs (document at /docs-json), graceful shutdown on SIGTERM/SIGINT.
 */
export async function createHttpService(
  options: HttpServiceOptions,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(options.module, {
    logger: new ConsoleLogger({ json: true, prefix: options.name }),
    bodyParser: false,
  });
  answerClientErrorsAsProblems(app.getHttpServer());
  app.use(requestLineBoundary);
  app.useBodyParser('json', {
    limit: options.bodyLimit ?? '1mb',
    type: ['application/json', 'application/*+json'],
    verify: verifyJsonBody,
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`carelog ${options.name}`)
      .setDescription(options.description)
      .setVersion('v1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

export async function listen(app: INestApplication, name: string, port: number): Promise<void> {
  await app.listen(port, process.env['HOST'] ?? '127.0.0.1');
  Logger.log(`${name} listening on http://127.0.0.1:${port}`, name);
}

export const portFromEnv = (variable: string, fallback: number): number => {
  const value = process.env[variable];
  return value ? Number(value) : fallback;
};

export interface ServiceMain extends HttpServiceOptions {
  /** The environment variable that overrides the port, and the DESIGN.md default. */
  portVariable: string;
  defaultPort: number;
}

/** A service's whole entry point: create, listen, and exit clearly if start-up fails. */
export function serveHttp(options: ServiceMain): void {
  runMain(async () => {
    const app = await createHttpService(options);
    await listen(app, options.name, portFromEnv(options.portVariable, options.defaultPort));
  });
}

/** Runs a service's entry point; a start-up failure ends the process with a clear line, not a hang. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    Logger.error(
      `failed to start: ${error instanceof Error ? error.message : String(error)}`,
      'main',
    );
    process.exit(1);
  });
}
