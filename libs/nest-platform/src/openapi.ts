import { applyDecorators, type INestApplication } from '@nestjs/common';
import {
  ApiParam,
  ApiResponse,
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
} from '@nestjs/swagger';
import type {
  LinkObject,
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { codesWithStatus } from './problem-details.filter';

export type { LinkObject, ReferenceObject, SchemaObject };

/** The statuses a carelog error can have (problem-details.filter.ts maps each code to one). */
export type ProblemStatus = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 422 | 431 | 503;

/** RFC 9457 problem details as carelog answers them (ProblemDetails in problem-details.filter). */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', description: 'Stable: clients branch on this, never on detail' },
    detail: { type: 'string' },
    field: { type: 'string', description: 'The request field, header or parameter at fault' },
    instance: { type: 'string' },
    checks: {
      type: 'object',
      additionalProperties: { type: 'boolean' },
      description: 'On not-ready: each readiness check and whether it passed',
    },
  },
};

/** How the FHIR API answers the same problems (operationOutcome in libs/fhir). */
export const OPERATION_OUTCOME_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['resourceType', 'issue'],
  properties: {
    resourceType: { type: 'string', enum: ['OperationOutcome'] },
    issue: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['severity', 'code'],
        properties: {
          severity: { type: 'string' },
          code: { type: 'string' },
          details: { type: 'object' },
          diagnostics: { type: 'string' },
          expression: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

const BODY_STATUS_NOTE: Partial<Record<ProblemStatus, string>> = {
  400: 'invalid input, named in `field` (e.g. `invalid-nhs-number`, `malformed-json`, `invalid-filter`)',
};

function describeStatus(status: ProblemStatus): string {
  const codes = codesWithStatus(status).map((code) => `\`${code}\``);
  const note = BODY_STATUS_NOTE[status];
  return [note, codes.length > 0 ? codes.join(', ') : undefined].filter(Boolean).join('; ');
}

/**
 * Declares the error answers of a route (on a method) or of every route of a controller (on the
 * class): each status with the codes that have it and the problem+json schema. The one way
 * carelog's OpenAPI documents say what can go wrong.
 */
export function ApiProblems(...statuses: ProblemStatus[]): ClassDecorator & MethodDecorator {
  return applyDecorators(...statuses.map((status) => ApiProblem(status, describeStatus(status))));
}

/** One error answer, described in words (for the platform's own routes, before the code map loads). */
export function ApiProblem(
  status: ProblemStatus,
  description: string,
): ClassDecorator & MethodDecorator {
  return ApiResponse({
    status,
    description,
    content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
  });
}

/** The same for the FHIR API, whose errors are OperationOutcome resources. */
export function ApiOutcomes(...statuses: ProblemStatus[]): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: describeStatus(status),
        content: { 'application/fhir+json': { schema: OPERATION_OUTCOME_SCHEMA } },
      }),
    ),
  );
}

/** What any route that takes a person's or system's bearer token may answer. */
export const CALLER_PROBLEMS: readonly ProblemStatus[] = [400, 401, 403, 503];
/** What any route that takes a JSON body may answer besides. */
export const BODY_PROBLEMS: readonly ProblemStatus[] = [400, 413, 415];

/**
 * An object schema whose properties are exactly the keys of `T`, so that a field added to a
 * response type and not to its schema fails the build.
 */
export function objectSchema<T extends object>(
  properties: { [K in keyof Required<T>]: SchemaObject },
  optional: ReadonlyArray<keyof T> = [],
  extra: Omit<SchemaObject, 'type' | 'properties' | 'required'> = {},
): SchemaObject {
  return {
    type: 'object',
    required: Object.keys(properties).filter((key) => !optional.includes(key as keyof T)),
    ...extra,
    properties,
  };
}

/**
 * `nullable` for OpenAPI 3.0 (the document's version), in one place. An enum lists null too:
 * OpenAPI 3.0.3 says `nullable` does not widen `enum`, and validators that follow it (Ajv) refuse
 * a null the enum does not name.
 */
export const nullable = (schema: SchemaObject): SchemaObject => ({
  ...schema,
  ...(schema.enum ? { enum: [...(schema.enum as unknown[]), null] } : {}),
  nullable: true,
});

/**
 * A 2xx answer with its JSON schema and, optionally, the operations its answer feeds (OpenAPI
 * links, by operationId).
 */
export function ApiAnswer(
  status: 200 | 201 | 202,
  description: string,
  schema: SchemaObject,
  options: { links?: Record<string, LinkObject>; contentType?: string } = {},
): MethodDecorator {
  return ApiResponse({
    status,
    description,
    content: { [options.contentType ?? 'application/json']: { schema } },
    ...(options.links ? { links: options.links } : {}),
  });
}

const COMPONENT_PATH = '#/components/schemas/';
/** Every named schema (schemaComponent), by name; a document holds those its answers refer to. */
const COMPONENTS = new Map<string, SchemaObject>();

/**
 * A schema that many answers share, kept once in a document's components/schemas under this
 * name (openApiDocument adds it wherever it is referred to): the reference to put in its place.
 */
export function schemaComponent(name: string, schema: SchemaObject): ReferenceObject {
  const known = COMPONENTS.get(name);
  if (known !== undefined && known !== schema) throw new Error(`two OpenAPI schemas named ${name}`);
  COMPONENTS.set(name, schema);
  return { $ref: `${COMPONENT_PATH}${name}` };
}

/** Adds to the document every named schema (schemaComponent) that it, or such a schema, refers to. */
function addReferredComponents(document: OpenAPIObject): void {
  const schemas = { ...document.components?.schemas };
  const pending: unknown[] = [document.paths];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (typeof node !== 'object' || node === null) continue;
    const ref = (node as { $ref?: unknown }).$ref;
    const name =
      typeof ref === 'string' && ref.startsWith(COMPONENT_PATH)
        ? ref.slice(COMPONENT_PATH.length)
        : undefined;
    const schema = name === undefined ? undefined : COMPONENTS.get(name);
    if (name !== undefined && schema !== undefined && !(name in schemas)) {
      schemas[name] = schema;
      pending.push(schema);
    }
    pending.push(...(Object.values(node) as unknown[]));
  }
  document.components = { ...document.components, schemas };
}

export interface OpenApiOptions {
  name: string;
  description: string;
}

/** A service's OpenAPI document, as served at /docs-json. */
export function openApiDocument(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`carelog ${options.name}`)
      .setDescription(options.description)
      .setVersion('v1')
      .addBearerAuth()
      .build(),
  );
  // A parameter is one line of text unless it says more: a query parameter given twice is
  // refused (repeated-parameter), so it is never a list, and no path or query parameter may hold
  // a control character (invalid-path, invalid-parameter).
  for (const item of Object.values(document.paths))
    for (const operation of Object.values(item as Record<string, { parameters?: unknown[] }>))
      for (const parameter of operation?.parameters ?? []) {
        const declared = parameter as { schema?: SchemaObject };
        const schema = declared.schema ?? {};
        const plain =
          Object.keys(schema).length === 0 ||
          (schema.type === 'string' && Object.keys(schema).length === 1);
        if (plain) declared.schema = { type: 'string', format: 'text' };
      }
  addReferredComponents(document);
  return document;
}

/** The Idempotency-Key header as the producers read it (requireIdempotencyKey): 1 to 200 characters, not blank. */
export const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } satisfies SchemaObject,
};

/** The `nhsNumber` path parameter: 10 digits with a modulus 11 check digit (else 400 invalid-nhs-number). */
export function ApiNhsNumberParam(): ClassDecorator & MethodDecorator {
  return ApiParam({
    name: 'nhsNumber',
    description: '10 digits, modulus 11 check digit',
    schema: { type: 'string', pattern: '^\\d{10}$', format: 'nhs-number', example: '9434765919' },
  });
}
