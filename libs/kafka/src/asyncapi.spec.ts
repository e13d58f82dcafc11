import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';
import { Parser } from '@asyncapi/parser';
import { SchemaCatalogue, schemasDir } from '@carelog/codec';
import { ENTRY_TYPES, SOURCE_DOMAINS } from '@carelog/domain';
import { parse } from 'yaml';
import { asyncApiDocument } from './asyncapi';
import { AUDIT_TOPIC, recordEntryTopic } from './topics';

const committed = readFileSync(join(schemasDir, 'asyncapi.yaml'), 'utf8');

const parser = new Parser();
parser.registerSchemaParser(AvroSchemaParser());

/** Errors only (severity 0); warnings (e.g. missing descriptions) are style. */
async function errorsOf(text: string): Promise<string[]> {
  const { diagnostics } = await parser.parse(text);
  return diagnostics
    .filter((diagnostic) => Number(diagnostic.severity) === 0)
    .map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`);
}

describe('the AsyncAPI document (schemas/asyncapi.yaml)', () => {
  it('is what schemas/ and libs/kafka generate now (npm run schemas:generate)', () => {
    expect(parse(committed)).toEqual(asyncApiDocument(schemasDir));
  });

  it('is valid AsyncAPI 3 with valid Avro payloads, by @asyncapi/parser', async () => {
    const { document } = await parser.parse(committed);
    expect(await errorsOf(committed)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  }, 60_000);

  it('would be refused if it were broken (the validation can fail)', async () => {
    const broken = parse(committed) as {
      operations: Record<string, Record<string, unknown>>;
      components: { messages: Record<string, { payload: { schema: { type: string } } }> };
    };
    delete broken.operations['publishGpRecordEntries']?.['channel'];
    const consultation = broken.components.messages['ConsultationRecorded'];
    if (consultation) consultation.payload.schema.type = 'no-such-avro-type';
    const errors = await errorsOf(JSON.stringify(broken));
    expect(errors.some((error) => error.includes('publishGpRecordEntries'))).toBe(true);
    expect(errors.some((error) => error.includes('ConsultationRecorded'))).toBe(true);
  }, 60_000);

  it('puts every entry type on the topic it is published to, kept forever and never compacted', () => {
    const document = parse(committed) as {
      channels: Record<
        string,
        {
          address: string;
          messages?: Record<string, unknown>;
          bindings?: { kafka: { topicConfiguration: Record<string, unknown> } };
        }
      >;
    };
    const channels = Object.values(document.channels);
    for (const domain of SOURCE_DOMAINS) {
      const channel = channels.find((candidate) => candidate.address === recordEntryTopic(domain));
      expect(channel?.bindings?.kafka.topicConfiguration).toEqual({
        'cleanup.policy': ['delete'],
        'retention.ms': -1,
        'retention.bytes': -1,
      });
      const expected = ENTRY_TYPES.filter(
        (rule) => rule.domain === domain || rule.domain === 'any',
      ).map((rule) => rule.type);
      expect(Object.keys(channel?.messages ?? {}).sort()).toEqual([...expected].sort());
    }
    const audit = channels.find((candidate) => candidate.address === AUDIT_TOPIC);
    expect(Object.keys(audit?.messages ?? {})).toEqual(['AccessEventRecorded']);
    const compacted = channels.filter((channel) =>
      (
        channel.bindings?.kafka.topicConfiguration['cleanup.policy'] as string[] | undefined
      )?.includes('compact'),
    );
    expect(compacted.map((channel) => channel.address)).toEqual([
      'carelog.analytics.entry-counts.v1',
    ]);
  });

  it("lists every writer schema's fingerprint, for consumers that decode by it", () => {
    const catalogue = SchemaCatalogue.load(schemasDir);
    const document = parse(committed) as {
      components: { messages: Record<string, { 'x-carelog-writer-schemas': unknown }> };
    };
    for (const type of catalogue.types)
      expect(document.components.messages[type]?.['x-carelog-writer-schemas']).toEqual(
        catalogue.versionsOf(type).map((version) => ({
          version: version.version,
          file: `schemas/${version.file}`,
          fingerprint: version.fingerprint,
        })),
      );
  });
});
