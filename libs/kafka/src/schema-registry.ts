import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fingerprintOf,
  parseAvroSchema,
  schemasDir,
  type EventCodec,
  type SchemaVersion,
} from '@carelog/codec';
import { setting, type Environment } from '@carelog/config';
import { DomainError } from '@carelog/domain';
import type { Schema } from 'avsc';

/** The setting that turns registry framing on: the registry's Confluent-compatible API. */
export const SCHEMA_REGISTRY_URL_SETTING = 'CARELOG_SCHEMA_REGISTRY_URL';

/** How long one registry request may take before it counts as unavailable. */
export const REGISTRY_TIMEOUT_MS = 5_000;

/** The registry could not register a schema: retriable (503), and nothing was recorded. */
export class SchemaRegistryUnavailableError extends DomainError {
  readonly retryAfterSeconds = 5;

  constructor(detail: string) {
    super('schema-registry-unavailable', `the schema registry did not answer: ${detail}`);
  }
}

/**
 * A client of a Schema Registry's Confluent-compatible REST API (Confluent, Apicurio's
 * `/apis/ccompat/v7`, Karapace). Subjects follow RecordNameStrategy: one subject per entry
 * type, named by its Avro full name (e.g. `carelog.gp.ConsultationRecorded`), because one
 * topic carries many types. A writer schema's id is asked once per process; an id read in a
 * message is looked up once and matched to schemas/ by its Parsing Canonical Form fingerprint.
 */
export class SchemaRegistryClient {
  private readonly ids = new Map<string, Promise<number>>();

  constructor(
    readonly baseUrl: string,
    private readonly codec: EventCodec,
    private readonly dir: string = schemasDir,
  ) {}

  private async request(path: string, init: RequestInit = {}): Promise<unknown> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { Accept: 'application/vnd.schemaregistry.v1+json', ...init.headers },
        signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS),
      });
    } catch (error) {
      throw new SchemaRegistryUnavailableError((error as Error).message);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok)
      throw new SchemaRegistryUnavailableError(
        `${init.method ?? 'GET'} ${path} answered ${response.status}`,
      );
    return body;
  }

  /** The registry's id for a writer schema, registering it under its subject if need be. */
  idFor(writer: SchemaVersion): Promise<number> {
    let id = this.ids.get(writer.fingerprint);
    if (!id) {
      id = (async () => {
        const schema = readFileSync(join(this.dir, writer.file), 'utf8');
        const answer = (await this.request(
          `/subjects/${encodeURIComponent(writer.fullName)}/versions`,
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
            body: JSON.stringify({ schemaType: 'AVRO', schema }),
          },
        )) as { id?: unknown } | undefined;
        if (typeof answer?.id !== 'number')
          throw new SchemaRegistryUnavailableError('the registration answer had no id');
        this.codec.rememberSchemaId(answer.id, writer);
        return answer.id;
      })();
      id.catch(() => this.ids.delete(writer.fingerprint));
      this.ids.set(writer.fingerprint, id);
    }
    return id;
  }

  /**
   * Looks up a schema id read in a message and, if its schema is one of schemas/, teaches the
   * codec to decode it. Returns the writer, or undefined if the registry's schema is not ours.
   */
  async learn(id: number): Promise<SchemaVersion | undefined> {
    const answer = (await this.request(`/schemas/ids/${id}`)) as { schema?: unknown } | undefined;
    if (typeof answer?.schema !== 'string') return undefined;
    const fingerprint = fingerprintOf(parseAvroSchema(JSON.parse(answer.schema) as Schema));
    const writer = this.codec.catalogue.byFingerprintHex(fingerprint);
    if (writer) this.codec.rememberSchemaId(id, writer);
    return writer;
  }
}

/** The registry client when CARELOG_SCHEMA_REGISTRY_URL is set; otherwise single-object only. */
export function schemaRegistryFromEnv(
  codec: EventCodec,
  env?: Environment,
): SchemaRegistryClient | undefined {
  const url = setting('CARELOG_SCHEMA_REGISTRY_URL', env);
  return url ? new SchemaRegistryClient(url, codec) : undefined;
}
