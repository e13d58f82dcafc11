import { types, type Type } from 'avsc';
import type { SchemaVersion } from './schema-catalogue';

/** One way in which two versions of an event type cannot read each other's data. */
export interface CompatibilityProblem {
  type: string;
  /** The version whose data cannot be read. */
  writer: number;
  /** The version that cannot read it. */
  reader: number;
  /** Dotted path of the field at fault, e.g. `payload.codedItems`. */
  field: string;
  reason: string;
}

const canResolve = (reader: Type, writer: Type): boolean => {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
};

const describe = (type: Type): string => type.name ?? type.typeName;

/**
 * Why `reader` cannot read what `writer` wrote, field by field. Avro's own resolution rules
 * (avsc's createResolver) decide; this only walks records to name the fields at fault.
 */
function explain(
  reader: Type,
  writer: Type,
  path: string,
): Array<{ field: string; reason: string }> {
  if (canResolve(reader, writer)) return [];
  if (reader instanceof types.RecordType && writer instanceof types.RecordType) {
    const problems: Array<{ field: string; reason: string }> = [];
    for (const readerField of reader.fields) {
      const names = [readerField.name, ...readerField.aliases];
      const writerField = writer.fields.find((candidate) => names.includes(candidate.name));
      const fieldPath = path ? `${path}.${readerField.name}` : readerField.name;
      if (!writerField) {
        if (readerField.defaultValue() === undefined) {
          problems.push({
            field: fieldPath,
            reason: 'is not in the written data and has no default',
          });
        }
        continue;
      }
      problems.push(...explain(readerField.type, writerField.type, fieldPath));
    }
    if (problems.length > 0) return problems;
  }
  return [
    {
      field: path || '(root)',
      reason: `a ${describe(reader)} cannot read a written ${describe(writer)}`,
    },
  ];
}

/**
 * FULL_TRANSITIVE: every version can read data written with every other version, so old
 * consumers keep working on new data and new consumers on old data, for ever.
 */
export function checkFullTransitive(versions: readonly SchemaVersion[]): CompatibilityProblem[] {
  const problems: CompatibilityProblem[] = [];
  for (const writer of versions) {
    for (const reader of versions) {
      if (writer === reader) continue;
      for (const problem of explain(reader.avroType, writer.avroType, '')) {
        problems.push({
          type: reader.type,
          writer: writer.version,
          reader: reader.version,
          ...problem,
        });
      }
    }
  }
  return problems;
}

export const formatProblem = (problem: CompatibilityProblem): string =>
  `${problem.type}: v${problem.reader} cannot read data written with v${problem.writer}: field ${problem.field} ${problem.reason}`;
