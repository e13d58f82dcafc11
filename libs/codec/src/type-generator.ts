import { types, type Type } from 'avsc';
import type { SchemaCatalogue } from './schema-catalogue';
import { TimestampMillisType } from './timestamp-millis';

/**
 * TypeScript types generated from the current version of every event schema, so that the
 * code's idea of an event cannot drift from its schema (`npm run schemas:check` regenerates
 * and compares).
 */
export const GENERATED_TYPES_FILE = 'libs/codec/src/generated/record-entry-events.ts';
export const GENERATED_ANALYTICS_TYPES_FILE = 'libs/codec/src/generated/analytics-events.ts';
export const GENERATED_AUDIT_TYPES_FILE = 'libs/codec/src/generated/audit-events.ts';
/**
 * The entry-type names alone, in libs/domain (which the codec depends on, not the reverse), so
 * that the domain's lists of entry types (authoring rules, journal sections, routine types,
 * vocabularies) are typed from the schemas and a misspelt or unknown type fails type-checking.
 */
export const GENERATED_ENTRY_TYPE_NAMES_FILE = 'libs/domain/src/generated/entry-type-names.ts';

const HEADER = [
  '// Generated from schemas/ by `npm run schemas:generate`. Do not edit: change the schema.',
  '// `npm run schemas:check` fails when this file and the schemas disagree.',
  '',
];

class TypeWriter {
  private readonly declarations = new Map<string, string>();
  private readonly owners = new Map<string, string>();

  /** The TypeScript for an Avro type; named records become their own type declarations. */
  expression(type: Type, literalType?: string): string {
    if (type instanceof TimestampMillisType) return 'Date';
    if (type instanceof types.RecordType) return this.record(type, literalType);
    if (type instanceof types.ArrayType) return `Array<${this.expression(type.itemsType)}>`;
    if (type instanceof types.MapType)
      return `Record<string, ${this.expression(type.valuesType as Type)}>`;
    if (type instanceof types.UnwrappedUnionType || type instanceof types.WrappedUnionType) {
      return type.types.map((branch) => this.expression(branch)).join(' | ');
    }
    if (type instanceof types.EnumType)
      return type.symbols.map((symbol) => `'${symbol}'`).join(' | ');
    switch (type.typeName) {
      case 'null':
        return 'null';
      case 'boolean':
        return 'boolean';
      case 'int':
      case 'long':
      case 'float':
      case 'double':
        return 'number';
      case 'string':
        return 'string';
      case 'bytes':
      case 'fixed':
        return 'Buffer';
      default:
        throw new Error(`no TypeScript mapping for Avro type ${type.typeName}`);
    }
  }

  private record(type: types.RecordType, literalType?: string): string {
    const fullName = type.name ?? '';
    const shortName = fullName.split('.').pop() ?? fullName;
    const tsName = literalType ? `${shortName}Event` : shortName;
    const owner = this.owners.get(tsName);
    if (owner !== undefined && owner !== fullName)
      throw new Error(`${fullName} and ${owner} would share the TypeScript name ${tsName}`);
    if (owner === undefined) {
      this.owners.set(tsName, fullName);
      const fields = type.fields.map((field) => {
        const value =
          field.name === 'type' && literalType ? `'${literalType}'` : this.expression(field.type);
        return `  ${field.name}: ${value};`;
      });
      this.declarations.set(tsName, `export type ${tsName} = {\n${fields.join('\n')}\n};`);
    }
    return tsName;
  }

  render(): string {
    return [...this.declarations.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, declaration]) => declaration)
      .join('\n\n');
  }
}

export function generateEventTypes(catalogue: SchemaCatalogue): string {
  const writer = new TypeWriter();
  const eventTypes = catalogue.types;
  for (const type of eventTypes) {
    const current = catalogue.current(type);
    if (current) writer.expression(current.avroType, type);
  }
  return [
    ...HEADER,
    "import type { EntryTypeName } from '@carelog/domain';",
    '',
    "export { ENTRY_TYPE_NAMES, type EntryTypeName } from '@carelog/domain';",
    '',
    writer.render(),
    '',
    `/** Every record-entry event, in the shape of the current version of its schema. */\nexport type RecordEntryEvent =\n${eventTypes.map((type) => `  | ${type}Event`).join('\n')};`,
    '',
    'export type RecordEntryEventOf<T extends EntryTypeName> = Extract<RecordEntryEvent, { type: T }>;',
    '',
  ].join('\n');
}

/** libs/domain's list of every record-entry type that has a schema (GENERATED_ENTRY_TYPE_NAMES_FILE). */
export function generateEntryTypeNames(catalogue: SchemaCatalogue): string {
  return [
    ...HEADER,
    '/** Every record-entry type that has a schema in schemas/. */',
    `export const ENTRY_TYPE_NAMES = [\n${catalogue.types.map((type) => `  '${type}',`).join('\n')}\n] as const;`,
    '',
    'export type EntryTypeName = (typeof ENTRY_TYPE_NAMES)[number];',
    '',
    'export const isEntryTypeName = (value: string): value is EntryTypeName =>',
    '  (ENTRY_TYPE_NAMES as readonly string[]).includes(value);',
    '',
  ].join('\n');
}

/**
 * A family of its own (schemas/analytics/, schemas/audit/): one type per record, a list of
 * names and a map by name, each named with the family's prefix (`Analytics`, `Audit`).
 */
function generateFamilyTypes(catalogue: SchemaCatalogue, prefix: string): string {
  const writer = new TypeWriter();
  const eventTypes = catalogue.types;
  for (const type of eventTypes) {
    const current = catalogue.current(type);
    if (current) writer.expression(current.avroType);
  }
  const constant = `${prefix.toUpperCase()}_EVENT_NAMES`;
  return [
    ...HEADER,
    writer.render(),
    '',
    `export const ${constant} = [\n${eventTypes.map((type) => `  '${type}',`).join('\n')}\n] as const;`,
    '',
    `export type ${prefix}EventName = (typeof ${constant})[number];`,
    '',
    `export type ${prefix}Events = {\n${eventTypes.map((type) => `  ${type}: ${type};`).join('\n')}\n};`,
    '',
    `export type ${prefix}Event = ${prefix}Events[${prefix}EventName];`,
    '',
  ].join('\n');
}

/** The analytics feed's events (schemas/analytics/). */
export const generateAnalyticsTypes = (catalogue: SchemaCatalogue): string =>
  generateFamilyTypes(catalogue, 'Analytics');

/** The audit topics' events (schemas/audit/). */
export const generateAuditTypes = (catalogue: SchemaCatalogue): string =>
  generateFamilyTypes(catalogue, 'Audit');
