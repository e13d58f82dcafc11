import { DomainError } from '@carelog/domain';
import type { SchemaVersion, SchemaCatalogue } from './schema-catalogue';
import { decodeSingleObject, firstInvalidField, frameSingleObject } from './single-object';

/**
 * A schema family other than the record entries (analytics, audit): events with no envelope
 * and no authoring rules, in the same single-object encoding. `label` names the family in
 * error codes (`unknown-<label>-event`, `invalid-<label>-event`).
 */
export class FamilyCodec<Events extends { [name: string]: unknown }> {
  constructor(
    readonly catalogue: SchemaCatalogue,
    private readonly label: string,
  ) {}

  /** Checks the event against the current version of its schema, then encodes it. */
  encode<T extends keyof Events & string>(type: T, event: Events[T]): Buffer {
    const schema = this.catalogue.current(type);
    if (!schema)
      throw new DomainError(
        `unknown-${this.label}-event`,
        `no schema for ${this.label} event ${type}`,
      );
    return this.encodeWith(schema, event);
  }

  encodeWith(schema: SchemaVersion, event: unknown): Buffer {
    const invalidField = firstInvalidField(schema, event);
    if (invalidField !== undefined) {
      throw new DomainError(
        `invalid-${this.label}-event`,
        `does not match schema ${schema.file}`,
        invalidField,
      );
    }
    return frameSingleObject(schema, schema.avroType.toBuffer(event));
  }

  /** Decodes a message written with any kept version, into the current version of its type. */
  decode(message: Buffer): { event: Events[keyof Events]; writer: SchemaVersion } {
    const { value, writer } = decodeSingleObject(this.catalogue, message);
    return { event: value as Events[keyof Events], writer };
  }
}
