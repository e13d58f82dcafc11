import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEventCodec, schemasDir, singleObjectToConfluent } from '@carelog/codec';
import {
  configuredBrokers,
  createKafka,
  ensureTopics,
  RecordEntryPublisher,
  recordTopicSpec,
  SchemaRegistryClient,
} from '@carelog/kafka';
import {
  exampleEvent,
  nextTestNhsNumber,
  startSchemaRegistry,
  uniqueName,
  type RunningSchemaRegistry,
} from '@carelog/testing';

const root = resolve(__dirname, '..', '..');
const example = join(root, 'examples', 'python-consumer');
const venv = join(resolve(process.env['CARELOG_LOCAL_DIR'] ?? join(root, '.local')), 'python-venv');
const python = join(venv, 'bin', 'python');

/** A project-local venv with the example's requirements (and `avro`, for the README's note). */
function ensureVenv(): void {
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(
    python,
    ['-m', 'pip', 'install', '-q', '-r', join(example, 'requirements.txt'), 'avro==1.12.2'],
    { stdio: 'inherit' },
  );
}

/**
 * The Python consumer example (examples/python-consumer) against real Kafka: it reads both
 * framings with fastavro, finding Confluent-framed writers by fingerprint header or registry.
 */
describe('examples/python-consumer (fastavro)', () => {
  const kafka = createKafka('python-example-int-test');
  const codec = loadEventCodec();
  const topic = uniqueName('python-consumer');
  let registry: RunningSchemaRegistry;

  beforeAll(async () => {
    ensureVenv();
    registry = await startSchemaRegistry();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [recordTopicSpec(topic, 1)]);
    await admin.disconnect();
  }, 600_000);

  afterAll(() => registry?.stop());

  it('reads single-object and Confluent-framed entries, with and without the fingerprint header', async () => {
    const single = exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() });
    const viaRegistry = exampleEvent('CarerApproved', { nhsNumber: nextTestNhsNumber() });
    const foreign = exampleEvent('AllergyRecorded', { nhsNumber: nextTestNhsNumber() });
    const client = new SchemaRegistryClient(registry.url, codec);
    const plain = new RecordEntryPublisher(kafka, codec, [topic], undefined);
    const framed = new RecordEntryPublisher(kafka, codec, [topic], client);
    await plain.publish(topic, single);
    await framed.publish(topic, viaRegistry);
    const writer = codec.catalogue.current('AllergyRecorded');
    if (!writer) throw new Error('no AllergyRecorded schema');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        {
          key: 'k',
          value: singleObjectToConfluent(codec.encode(foreign), await client.idFor(writer)),
        },
      ],
    });
    await producer.disconnect();
    await plain.disconnect();
    await framed.disconnect();

    // Asynchronously: the stand-in registry answers from this process's event loop.
    const run = await promisify(execFile)(
      python,
      [
        join(example, 'consume.py'),
        ...['--brokers', configuredBrokers().join(','), '--topic', topic],
        ...['--schemas', schemasDir, '--registry', registry.url, '--max', '3'],
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).toBe('');
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string>);
    expect(lines).toEqual([
      {
        framing: 'single-object',
        type: 'ConsultationRecorded',
        eventId: single.eventId,
        schema: codec.catalogue.current('ConsultationRecorded')?.file,
      },
      {
        framing: 'confluent',
        type: 'CarerApproved',
        eventId: viaRegistry.eventId,
        schema: codec.catalogue.current('CarerApproved')?.file,
      },
      {
        framing: 'confluent',
        type: 'AllergyRecorded',
        eventId: foreign.eventId,
        schema: writer.file,
      },
    ]);
    // Nothing of the record itself is printed: no NHS number.
    expect(run.stdout).not.toContain(single.patient.nhsNumber);
  }, 180_000);

  it("shows the README's note: Python's avro package fingerprints logicalType uuid otherwise", () => {
    const schema = join(schemasDir, 'patient', 'CarerApproved.v1.avsc');
    const script = [
      'import json, sys, avro.schema',
      'from fastavro.schema import fingerprint, to_parsing_canonical_form',
      'text = open(sys.argv[1]).read()',
      "print(fingerprint(to_parsing_canonical_form(json.loads(text)), 'CRC-64-AVRO'))",
      "print(avro.schema.parse(text).fingerprint('CRC-64-AVRO').hex())",
    ].join('\n');
    const [viaFastavro, viaAvro] = execFileSync(python, ['-c', script, schema], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    const carelog = codec.catalogue.current('CarerApproved')?.fingerprint ?? '';
    const asInMessage = Buffer.from(carelog, 'hex').reverse().toString('hex');
    expect(viaFastavro).toBe(asInMessage);
    expect(viaAvro).not.toBe(asInMessage);
  }, 60_000);
});
