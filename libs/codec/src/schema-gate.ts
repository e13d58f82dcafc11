import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { checkFullTransitive, formatProblem } from './compatibility';
import { AnalyticsCodec, AuditCodec } from './analytics-codec';
import type { FamilyCodec } from './family-codec';
import { EventCodec } from './event-codec';
import {
  examplePath,
  goldenEvent,
  goldenVectorPath,
  plainType,
  readAnalyticsExample,
  readExample,
  type GoldenVector,
} from './golden-vectors';
import {
  ANALYTICS_FAMILY,
  AUDIT_FAMILY,
  SchemaCatalogue,
  type SchemaFamily,
  type SchemaVersion,
} from './schema-catalogue';
import { firstInvalidField } from './single-object';

interface FieldJson {
  name: string;
  [key: string]: unknown;
}

/** The envelope: every field but payload, with docs and defaults, as the file writes it. */
const envelopeOf = (schemasDir: string, version: SchemaVersion): FieldJson[] =>
  (
    JSON.parse(readFileSync(join(schemasDir, version.file), 'utf8')) as { fields: FieldJson[] }
  ).fields.filter((field) => field.name !== 'payload');

function checkGoldenVector(
  schemasDir: string,
  decodeWriter: (bytes: Buffer) => SchemaVersion,
  version: SchemaVersion,
): string[] {
  const jsonPath = goldenVectorPath(schemasDir, version, 'json');
  const binPath = goldenVectorPath(schemasDir, version, 'bin');
  if (!existsSync(jsonPath) || !existsSync(binPath)) {
    return [`${version.file}: no golden vector (run npm run schemas:golden)`];
  }
  const vector = JSON.parse(readFileSync(jsonPath, 'utf8')) as GoldenVector;
  const bytes = readFileSync(binPath);
  const problems: string[] = [];
  if (bytes.toString('hex') !== vector.singleObjectHex)
    problems.push(`${version.file}: golden .bin and .json bytes differ`);
  if (vector.fingerprint !== version.fingerprint)
    problems.push(`${version.file}: golden vector has another fingerprint`);
  const written = Buffer.concat([
    bytes.subarray(0, 10),
    plainType(schemasDir, version).toBuffer(vector.event),
  ]);
  if (!written.equals(bytes))
    problems.push(`${version.file}: the golden JSON no longer encodes to the golden bytes`);
  try {
    const writer = decodeWriter(bytes);
    if (writer !== version)
      problems.push(`${version.file}: golden bytes decode with ${writer.file}`);
  } catch (error) {
    problems.push(
      `${version.file}: the current version cannot decode its golden vector (${(error as Error).message})`,
    );
  }
  return problems;
}

/**
 * Everything `npm run schemas:check` proves about schemas/: each file parses and is named
 * for its record; current versions share one envelope; all versions of a type are
 * FULL_TRANSITIVE compatible; every version has a golden vector that still round-trips;
 * every type has an example that its current schema accepts; and the schemas and the
 * platform's entry-type rules name the same types. The analytics family is checked by its
 * own rules (checkFamilySchemas), and so is the audit family.
 */
export function checkSchemas(schemasDir: string, ruledTypes: readonly string[]): string[] {
  return [
    ...checkRecordEntrySchemas(schemasDir, ruledTypes),
    ...checkFamilySchemas(
      schemasDir,
      ANALYTICS_FAMILY,
      (catalogue) => new AnalyticsCodec(catalogue),
    ),
    ...checkFamilySchemas(schemasDir, AUDIT_FAMILY, (catalogue) => new AuditCodec(catalogue)),
  ];
}

/** Versions numbered 1, 2, 3, ...; FULL_TRANSITIVE; a golden vector for each that round-trips. */
function checkVersions(
  schemasDir: string,
  catalogue: SchemaCatalogue,
  decodeWriter: (bytes: Buffer) => SchemaVersion,
): string[] {
  const problems: string[] = [];
  for (const type of catalogue.types) {
    const versions = catalogue.versionsOf(type);
    versions.forEach((version, index) => {
      if (version.version !== index + 1)
        problems.push(`${type}: versions must run 1, 2, 3, ... (found v${version.version})`);
    });
    problems.push(...checkFullTransitive(versions).map(formatProblem));
    for (const version of versions)
      problems.push(...checkGoldenVector(schemasDir, decodeWriter, version));
  }
  return problems;
}

/**
 * A family of its own (the analytics feed's events, schemas/analytics/; the audit topics',
 * schemas/audit/): the same version, compatibility and golden-vector rules as record
 * entries, and an example of each current version that its schema accepts. They have no
 * envelope and no authoring rules: only the service that owns the topic writes them.
 */
export function checkFamilySchemas(
  schemasDir: string,
  family: SchemaFamily,
  codecFor: (catalogue: SchemaCatalogue) => FamilyCodec<{ [name: string]: unknown }>,
): string[] {
  let catalogue: SchemaCatalogue;
  try {
    catalogue = SchemaCatalogue.load(schemasDir, family);
  } catch (error) {
    return [(error as Error).message];
  }
  const codec = codecFor(catalogue);
  const problems = checkVersions(schemasDir, catalogue, (bytes) => codec.decode(bytes).writer);
  for (const type of catalogue.types) {
    const current = catalogue.current(type);
    if (!current) continue;
    const example = readAnalyticsExample(schemasDir, current);
    if (!example) {
      problems.push(`${current.file}: no example at ${examplePath(schemasDir, current)}`);
      continue;
    }
    const field = firstInvalidField(current, example);
    if (field !== undefined)
      problems.push(`${current.file}: its example is not valid (field ${field || '(root)'})`);
  }
  return problems;
}

function checkRecordEntrySchemas(schemasDir: string, ruledTypes: readonly string[]): string[] {
  let catalogue: SchemaCatalogue;
  try {
    catalogue = SchemaCatalogue.load(schemasDir);
  } catch (error) {
    return [(error as Error).message];
  }
  const codec = new EventCodec(catalogue);
  const problems: string[] = [];
  const currents = catalogue.types
    .map((type) => catalogue.current(type))
    .filter((v): v is SchemaVersion => v !== undefined);

  const [reference, ...others] = currents;
  if (reference) {
    const envelope = envelopeOf(schemasDir, reference);
    for (const other of others) {
      if (!isDeepStrictEqual(envelopeOf(schemasDir, other), envelope)) {
        problems.push(
          `${other.file}: envelope differs from ${reference.file} (every current version shares one envelope)`,
        );
      }
    }
  }
  problems.push(...checkVersions(schemasDir, catalogue, (bytes) => codec.decode(bytes).writer));
  for (const current of currents) {
    const example = readExample(schemasDir, current);
    if (!example) {
      problems.push(
        `${current.file}: no example request body at ${examplePath(schemasDir, current)}`,
      );
      continue;
    }
    try {
      codec.encode(goldenEvent(current, example));
    } catch (error) {
      const field = (error as { field?: string }).field;
      problems.push(
        `${current.file}: its example is not valid (${(error as Error).message}${field ? `, field ${field}` : ''})`,
      );
    }
  }
  const schemaTypes = new Set(catalogue.types);
  for (const type of ruledTypes)
    if (!schemaTypes.has(type)) problems.push(`${type}: has an authoring rule but no schema`);
  for (const type of schemaTypes)
    if (!ruledTypes.includes(type))
      problems.push(`${type}: has a schema but no authoring rule in libs/domain`);
  return problems;
}
