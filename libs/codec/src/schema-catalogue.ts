import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Type, type Schema } from 'avsc';
import { crc64Avro } from './crc64-avro';
import { TimestampMillisType } from './timestamp-millis';

/** One version of one event type's schema, as kept in schemas/. */
export interface SchemaVersion {
  /** The entry type, e.g. `ConsultationRecorded`. */
  type: string;
  /** The Avro full name, e.g. `carelog.gp.ConsultationRecorded`. */
  fullName: string;
  /** The source domain: the folder under schemas/, e.g. `gp`. */
  domain: string;
  version: number;
  file: string;
  avroType: Type;
  /** CRC-64-AVRO of the Parsing Canonical Form, as 16 hex digits. */
  fingerprint: string;
}

const FILE_NAME = /^([A-Z][A-Za-z]+)\.v(\d+)\.avsc$/;

/**
 * The schemas in schemas/ form two families with different rules: the record-entry events
 * (the system of record: one envelope, authoring rules, examples as request bodies) and the
 * events of the pseudonymised analytics feed, kept in schemas/analytics/. Both use the same
 * single-object encoding and compatibility rules; a catalogue holds one family.
 */
export interface SchemaFamily {
  name: 'record-entries' | 'analytics' | 'audit';
  /** Whether a top-level folder of schemas/ belongs to the family. */
  includes(folder: string): boolean;
}

export const ANALYTICS_SCHEMA_FOLDER = 'analytics';
/** The audit topics' events: access events as chained, and signed checkpoints of the chain. */
export const AUDIT_SCHEMA_FOLDER = 'audit';
export const RECORD_ENTRY_FAMILY: SchemaFamily = {
  name: 'record-entries',
  includes: (folder) => folder !== ANALYTICS_SCHEMA_FOLDER && folder !== AUDIT_SCHEMA_FOLDER,
};
export const ANALYTICS_FAMILY: SchemaFamily = {
  name: 'analytics',
  includes: (folder) => folder === ANALYTICS_SCHEMA_FOLDER,
};
export const AUDIT_FAMILY: SchemaFamily = {
  name: 'audit',
  includes: (folder) => folder === AUDIT_SCHEMA_FOLDER,
};

export function parseAvroSchema(schema: Schema): Type {
  return Type.forSchema(schema, {
    logicalTypes: { 'timestamp-millis': TimestampMillisType },
    omitRecordMethods: true,
  });
}

export function fingerprintOf(type: Type): string {
  const canonical = JSON.stringify(type.schema());
  return crc64Avro(Buffer.from(canonical, 'utf8')).toString(16).padStart(16, '0');
}

function listSchemaFiles(dir: string, family?: SchemaFamily): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return family && !family.includes(name) ? [] : listSchemaFiles(path);
    return name.endsWith('.avsc') ? [path] : [];
  });
}

/**
 * Every version of every event schema of one family under schemas/, looked up by fingerprint (to decode
 * what any writer wrote) and by type (to encode with, and read into, the current version).
 */
export class SchemaCatalogue {
  private readonly byFingerprint = new Map<string, SchemaVersion>();
  private readonly versionsByType = new Map<string, SchemaVersion[]>();

  constructor(versions: SchemaVersion[]) {
    for (const version of versions) {
      const clash = this.byFingerprint.get(version.fingerprint);
      if (clash) throw new Error(`${version.file} and ${clash.file} have the same canonical form`);
      this.byFingerprint.set(version.fingerprint, version);
      const list = this.versionsByType.get(version.type) ?? [];
      if (list.some((other) => other.fullName !== version.fullName)) {
        throw new Error(`entry type ${version.type} is defined under two names (${version.file})`);
      }
      list.push(version);
      list.sort((a, b) => a.version - b.version);
      this.versionsByType.set(version.type, list);
    }
  }

  static load(schemasDir: string, family: SchemaFamily = RECORD_ENTRY_FAMILY): SchemaCatalogue {
    const versions = listSchemaFiles(schemasDir, family).map((file) => {
      const name = file.split('/').pop() ?? '';
      const match = FILE_NAME.exec(name);
      const where = relative(schemasDir, file);
      if (!match?.[1] || !match[2])
        throw new Error(`${where}: schema files are named <EntryType>.v<N>.avsc`);
      const avroType = parseAvroSchema(JSON.parse(readFileSync(file, 'utf8')) as Schema);
      const fullName = avroType.name ?? '';
      if (!fullName.endsWith(`.${match[1]}`))
        throw new Error(`${where}: record name ${fullName} does not match the file name`);
      return {
        type: match[1],
        fullName,
        domain: where.split('/')[0] ?? '',
        version: Number(match[2]),
        file: where,
        avroType,
        fingerprint: fingerprintOf(avroType),
      };
    });
    return new SchemaCatalogue(versions);
  }

  get types(): string[] {
    return [...this.versionsByType.keys()].sort();
  }

  versionsOf(type: string): readonly SchemaVersion[] {
    return this.versionsByType.get(type) ?? [];
  }

  current(type: string): SchemaVersion | undefined {
    return this.versionsOf(type).at(-1);
  }

  byFingerprintHex(fingerprint: string): SchemaVersion | undefined {
    return this.byFingerprint.get(fingerprint);
  }
}
