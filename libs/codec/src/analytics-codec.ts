import { resolve } from 'node:path';
import { DomainError } from '@carelog/domain';
import type {
  AnalyticsEvent,
  AnalyticsEventName,
  AnalyticsEvents,
} from './generated/analytics-events';
import { ANALYTICS_FAMILY, SchemaCatalogue, type SchemaVersion } from './schema-catalogue';
import { decodeSingleObject, firstInvalidField, frameSingleObject } from './single-object';

/** The analytics feed's events, with the same single-object encoding as record entries. */
export class AnalyticsCodec {
  constructor(readonly catalogue: SchemaCatalogue) {}

  /** Checks the event against the current version of its schema, then encodes it. */
  encode<T extends AnalyticsEventName>(type: T, event: AnalyticsEvents[T]): Buffer {
    const schema = this.catalogue.current(type);
    if (!schema)
      throw new DomainError('unknown-analytics-event', `no schema for analytics event ${type}`);
    return this.encodeWith(schema, event);
  }

  encodeWith(schema: SchemaVersion, event: unknown): Buffer {
    const invalidField = firstInvalidField(schema, event);
    if (invalidField !== undefined) {
      throw new DomainError(
        'invalid-analytics-event',
        `does not match schema ${schema.file}`,
        invalidField,
      );
    }
    return frameSingleObject(schema, schema.avroType.toBuffer(event));
  }

  /** Decodes a message written with any kept version, into the current version of its type. */
  decode(message: Buffer): { event: AnalyticsEvent; writer: SchemaVersion } {
    const { value, writer } = decodeSingleObject(this.catalogue, message);
    return { event: value as AnalyticsEvent, writer };
  }
}

let shared: AnalyticsCodec | undefined;

/** The codec over schemas/analytics/, loaded once per process. */
export function loadAnalyticsCodec(): AnalyticsCodec {
  shared ??= new AnalyticsCodec(
    SchemaCatalogue.load(resolve(__dirname, '..', '..', '..', 'schemas'), ANALYTICS_FAMILY),
  );
  return shared;
}
