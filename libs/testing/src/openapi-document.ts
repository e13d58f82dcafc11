import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { openApiDocument } from '@carelog/nest-platform';

/**
 * A service's OpenAPI document built in-process without starting it: Nest's preview mode
 * resolves the module graph and routes but instantiates nothing (no database, no Kafka).
 */
export async function openApiDocumentOf(
  module: Type<unknown>,
  name: string,
): Promise<OpenAPIObject> {
  const app = await NestFactory.create(module, { preview: true, logger: false });
  try {
    return openApiDocument(app, { name, description: 'under test' });
  } finally {
    await app.close();
  }
}

interface Operation {
  operationId?: string;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses: Record<
    string,
    { content?: Record<string, { schema?: unknown }>; links?: Record<string, unknown> }
  >;
  security?: unknown[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Every operation of a document, as `METHOD /path`. */
export function operationsOf(
  document: OpenAPIObject,
): Array<{ name: string; method: string; path: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = (item as Record<string, Operation | undefined>)[method];
      return operation
        ? [{ name: `${method.toUpperCase()} ${path}`, method, path, operation }]
        : [];
    }),
  );
}

/** Routes that touch nothing that can be unavailable, and so never answer 503. */
const NEVER_UNAVAILABLE = new Set([
  'GET /health/live',
  'GET /metrics',
  'GET /fhir/R4/metadata',
  // The identity service's keys and discovery documents: from its settings, held in memory.
  'GET /oauth2/jwks',
  'GET /.well-known/openid-configuration',
  'GET /local/{issuer}/.well-known/openid-configuration',
  'GET /local/{issuer}/jwks',
]);

const hasSchema = (response: Operation['responses'][string] | undefined): boolean =>
  Object.values(response?.content ?? {}).some((media) => media.schema !== undefined);

/**
 * What an operation of a document leaves undeclared: a 2xx answer without a schema, an error
 * status it can answer but does not declare (or declares without the problem schema), a
 * request body without a schema. Empty when the operation is complete.
 */
export function openApiGaps(document: OpenAPIObject): string[] {
  const gaps: string[] = [];
  for (const { name, method, operation } of operationsOf(document)) {
    const statuses = Object.keys(operation.responses);
    const success = statuses.filter((status) => /^2\d\d$/.test(status));
    if (success.length === 0) gaps.push(`${name}: no 2xx answer`);
    for (const status of success)
      if (status !== '204' && !hasSchema(operation.responses[status]))
        gaps.push(`${name}: ${status} has no schema`);
    const needed = new Set<string>();
    if (operation.security?.length) ['401', '403'].forEach((status) => needed.add(status));
    if (!NEVER_UNAVAILABLE.has(name) && name !== 'GET /health/ready') needed.add('503');
    if (operation.parameters?.length || operation.requestBody) needed.add('400');
    if (operation.parameters?.some((parameter) => parameter.in === 'path')) needed.add('404');
    if (['post', 'put', 'patch'].includes(method)) {
      ['400', '413', '415'].forEach((status) => needed.add(status));
      if (!Object.values(operation.requestBody?.content ?? {}).some((media) => media.schema))
        gaps.push(`${name}: no request body schema`);
    }
    if (name === 'GET /health/ready') needed.add('503');
    for (const status of needed)
      if (!statuses.includes(status)) gaps.push(`${name}: ${status} not declared`);
    for (const status of statuses.filter((status) => /^[45]\d\d$/.test(status)))
      if (!hasSchema(operation.responses[status]))
        gaps.push(`${name}: ${status} has no problem schema`);
  }
  return gaps;
}

/** The links a 2xx answer of an operation declares, by name, to the operationIds they feed. */
export function linksOf(
  document: OpenAPIObject,
  name: string,
): Record<string, { operationId?: string; parameters?: Record<string, string> }> {
  const found = operationsOf(document).find((operation) => operation.name === name);
  if (!found) throw new Error(`no operation ${name}`);
  return Object.fromEntries(
    Object.entries(found.operation.responses)
      .filter(([status]) => /^2\d\d$/.test(status))
      .flatMap(([, response]) => Object.entries(response.links ?? {})),
  ) as Record<string, { operationId?: string; parameters?: Record<string, string> }>;
}

/** The operationId of `METHOD /path` in a document. */
export function operationIdOf(document: OpenAPIObject, name: string): string | undefined {
  return operationsOf(document).find((operation) => operation.name === name)?.operation.operationId;
}
