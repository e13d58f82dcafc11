import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ANALYTICS_FAMILY,
  AnalyticsCodec,
  AUDIT_FAMILY,
  AuditCodec,
  checkSchemas,
  EventCodec,
  generateAnalyticsTypes,
  generateAuditTypes,
  generateEntryTypeNames,
  generateEventTypes,
  GENERATED_ANALYTICS_TYPES_FILE,
  GENERATED_AUDIT_TYPES_FILE,
  GENERATED_ENTRY_TYPE_NAMES_FILE,
  GENERATED_TYPES_FILE,
  goldenEvent,
  goldenVectorPath,
  plainType,
  readAnalyticsExample,
  readExample,
  SchemaCatalogue,
  schemasDir,
  toPlainJson,
  type GoldenVector,
  type SchemaVersion,
} from '@carelog/codec';
import { ENTRY_TYPES } from '@carelog/domain';
import { format, resolveConfig } from 'prettier';

/**
 * npm run schemas:check     every rule in schemas/README.md, and generated types up to date
 * npm run schemas:generate  regenerate libs/codec/src/generated/ (record-entry, analytics and audit types)
 * npm run schemas:golden    write the golden vectors that are missing (never rewrites one)
 * npm run schemas:next -- <EntryType>   start the next version of a type from its current one
 */
const repoRoot = join(schemasDir, '..');
const generatedPath = join(repoRoot, GENERATED_TYPES_FILE);
const generatedAnalyticsPath = join(repoRoot, GENERATED_ANALYTICS_TYPES_FILE);
const generatedAuditPath = join(repoRoot, GENERATED_AUDIT_TYPES_FILE);
const generatedNamesPath = join(repoRoot, GENERATED_ENTRY_TYPE_NAMES_FILE);

async function formatted(
  text: string,
  path: string,
  parser: 'typescript' | 'markdown',
): Promise<string> {
  return format(text, { ...((await resolveConfig(path)) ?? {}), parser });
}

const renderedTypes = (catalogue: SchemaCatalogue): Promise<string> =>
  formatted(generateEventTypes(catalogue), generatedPath, 'typescript');
const renderedEntryTypeNames = (catalogue: SchemaCatalogue): Promise<string> =>
  formatted(generateEntryTypeNames(catalogue), generatedNamesPath, 'typescript');
const renderedAnalyticsTypes = (dir: string): Promise<string> =>
  formatted(
    generateAnalyticsTypes(SchemaCatalogue.load(dir, ANALYTICS_FAMILY)),
    generatedAnalyticsPath,
    'typescript',
  );
const renderedAuditTypes = (dir: string): Promise<string> =>
  formatted(
    generateAuditTypes(SchemaCatalogue.load(dir, AUDIT_FAMILY)),
    generatedAuditPath,
    'typescript',
  );

const readmePath = join(schemasDir, 'README.md');
const TABLE_START = '<!-- entry-types:start -->';
const TABLE_END = '<!-- entry-types:end -->';

/** The README's table of entry types, from the schemas' own docs and the authoring rules. */
function readmeWithTable(catalogue: SchemaCatalogue): string {
  const rows = catalogue.types.map((type) => {
    const current = catalogue.current(type);
    const doc = (current?.avroType as { doc?: string } | undefined)?.doc ?? '';
    const rule = ENTRY_TYPES.find((candidate) => candidate.type === type);
    const versions = catalogue
      .versionsOf(type)
      .map((version) => `v${version.version}`)
      .join(', ');
    return `| \`${type}\` | ${current?.domain ?? ''} | ${versions} | ${doc} | ${rule?.authors.join(', ') ?? ''} |`;
  });
  const table = [
    '| type | folder | versions | when it is used | who may author it |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ];
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1)
    throw new Error(`schemas/README.md has lost its ${TABLE_START} / ${TABLE_END} markers`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${table.join('\n')}\n${readme.slice(end)}`;
}

async function check(dir: string): Promise<number> {
  const problems = checkSchemas(
    dir,
    ENTRY_TYPES.map((rule) => rule.type),
  );
  if (dir === schemasDir && problems.length === 0) {
    const expected = await renderedTypes(SchemaCatalogue.load(dir));
    const actual = existsSync(generatedPath) ? readFileSync(generatedPath, 'utf8') : '';
    if (expected !== actual)
      problems.push(`${GENERATED_TYPES_FILE} is out of date: run npm run schemas:generate`);
    const names = existsSync(generatedNamesPath) ? readFileSync(generatedNamesPath, 'utf8') : '';
    if ((await renderedEntryTypeNames(SchemaCatalogue.load(dir))) !== names)
      problems.push(
        `${GENERATED_ENTRY_TYPE_NAMES_FILE} is out of date: run npm run schemas:generate`,
      );
    const analytics = existsSync(generatedAnalyticsPath)
      ? readFileSync(generatedAnalyticsPath, 'utf8')
      : '';
    if ((await renderedAnalyticsTypes(dir)) !== analytics)
      problems.push(
        `${GENERATED_ANALYTICS_TYPES_FILE} is out of date: run npm run schemas:generate`,
      );
    const audit = existsSync(generatedAuditPath) ? readFileSync(generatedAuditPath, 'utf8') : '';
    if ((await renderedAuditTypes(dir)) !== audit)
      problems.push(`${GENERATED_AUDIT_TYPES_FILE} is out of date: run npm run schemas:generate`);
  }
  for (const problem of problems) console.error(`schemas: ${problem}`);
  if (problems.length === 0)
    console.log(
      `schemas: ${SchemaCatalogue.load(dir).types.length} entry types and ${SchemaCatalogue.load(dir, ANALYTICS_FAMILY).types.length} analytics events and ${SchemaCatalogue.load(dir, AUDIT_FAMILY).types.length} audit events, all checks pass`,
    );
  return problems.length === 0 ? 0 : 1;
}

async function generate(): Promise<number> {
  mkdirSync(dirname(generatedPath), { recursive: true });
  const catalogue = SchemaCatalogue.load(schemasDir);
  writeFileSync(generatedPath, await renderedTypes(catalogue));
  mkdirSync(dirname(generatedNamesPath), { recursive: true });
  writeFileSync(generatedNamesPath, await renderedEntryTypeNames(catalogue));
  writeFileSync(generatedAnalyticsPath, await renderedAnalyticsTypes(schemasDir));
  writeFileSync(generatedAuditPath, await renderedAuditTypes(schemasDir));
  writeFileSync(readmePath, await formatted(readmeWithTable(catalogue), readmePath, 'markdown'));
  console.log(
    `wrote ${GENERATED_TYPES_FILE}, ${GENERATED_ENTRY_TYPE_NAMES_FILE}, ${GENERATED_ANALYTICS_TYPES_FILE}, ${GENERATED_AUDIT_TYPES_FILE} and the entry-type table in schemas/README.md`,
  );
  return 0;
}

function writeGoldenVector(version: SchemaVersion, bytes: Buffer): void {
  const jsonPath = goldenVectorPath(schemasDir, version, 'json');
  const event = toPlainJson(
    plainType(schemasDir, version).fromBuffer(bytes.subarray(10)),
  ) as Record<string, unknown>;
  const vector: GoldenVector = {
    schemaFile: version.file,
    fingerprint: version.fingerprint,
    event,
    singleObjectHex: bytes.toString('hex'),
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(vector, null, 2)}\n`);
  writeFileSync(goldenVectorPath(schemasDir, version, 'bin'), bytes);
  console.log(`wrote golden vector for ${version.file}`);
}

/** Writes the missing golden vectors of one family, each from its current version's example. */
function goldenFor(
  catalogue: SchemaCatalogue,
  encodeExample: (version: SchemaVersion) => Buffer | undefined,
): number {
  let failures = 0;
  for (const type of catalogue.types) {
    for (const version of catalogue.versionsOf(type)) {
      if (existsSync(goldenVectorPath(schemasDir, version, 'json'))) continue;
      const bytes = version === catalogue.current(type) ? encodeExample(version) : undefined;
      if (!bytes) {
        console.error(
          `${version.file}: no golden vector, and it can only be made from the current version's example`,
        );
        failures++;
        continue;
      }
      writeGoldenVector(version, bytes);
    }
  }
  return failures;
}

function golden(): number {
  const catalogue = SchemaCatalogue.load(schemasDir);
  const codec = new EventCodec(catalogue);
  const analytics = new AnalyticsCodec(SchemaCatalogue.load(schemasDir, ANALYTICS_FAMILY));
  const audit = new AuditCodec(SchemaCatalogue.load(schemasDir, AUDIT_FAMILY));
  const failures =
    goldenFor(catalogue, (version) => {
      const example = readExample(schemasDir, version);
      return example && codec.encodeWith(version, goldenEvent(version, example));
    }) +
    goldenFor(analytics.catalogue, (version) => {
      const example = readAnalyticsExample(schemasDir, version);
      return example && analytics.encodeWith(version, example);
    }) +
    goldenFor(audit.catalogue, (version) => {
      const example = readAnalyticsExample(schemasDir, version);
      return example && audit.encodeWith(version, example);
    });
  return failures === 0 ? 0 : 1;
}

function next(type: string | undefined): number {
  // Any family: record entries, analytics events, audit events.
  const current = type
    ? [undefined, ANALYTICS_FAMILY, AUDIT_FAMILY]
        .map((family) => SchemaCatalogue.load(schemasDir, family).current(type))
        .find((found) => found !== undefined)
    : undefined;
  if (!type || !current) {
    console.error('usage: npm run schemas:next -- <EntryType> (an existing type)');
    return 2;
  }
  const target = join(
    schemasDir,
    current.file.replace(/\.v\d+\.avsc$/, `.v${current.version + 1}.avsc`),
  );
  writeFileSync(target, readFileSync(join(schemasDir, current.file)));
  console.log(
    `wrote ${target}: change it, keep every new field optional with a default, then run schemas:check`,
  );
  return 0;
}

async function main(): Promise<number> {
  const [command, argument] = process.argv.slice(2);
  switch (command ?? '') {
    case 'check':
      return check(argument ?? schemasDir);
    case 'generate':
      return generate();
    case 'golden':
      return golden();
    case 'next':
      return next(argument);
    default:
      console.error('usage: schemas.ts check [dir] | generate | golden | next <EntryType>');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
