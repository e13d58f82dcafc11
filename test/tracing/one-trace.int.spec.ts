import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEventCodec, schemasDir } from '@carelog/codec';
import { mintLocalNhsLoginToken } from '@carelog/auth';
import {
  createKafka,
  ensureTopics,
  platformTopics,
  startTracing,
  type CheckpointedConsumer,
} from '@carelog/kafka';
import { RecordEntryRow } from '@carelog/read-model';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
// One trace across two services needs both in this process (an in-memory exporter sees only
// its own spans); services have no package entry, so this test reaches into their sources.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { projectionConsumer } from '../../services/projection/src/lifelong-record/projection-consumer';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { RecordWriter } from '../../services/projection/src/lifelong-record/record-writer';
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  startRecordApiInProcess,
  type InProcessRecordApi,
} from '../../services/record-api/src/record-api.in-process';

/**
 * W3C trace context from HTTP through Kafka to the projection (#19): a POST carrying a
 * `traceparent` gives one trace, in an in-memory exporter, from the request to the projected
 * row: the record API's server span, its publish span, the projection's process span.
 */
describe('one trace from POST to projected row', () => {
  const exporter = new InMemorySpanExporter();
  // Before any service registers its own (startTracing keeps the first).
  startTracing('one-trace-test', { exporter });
  let api: InProcessRecordApi;
  let projection: CheckpointedConsumer;
  const group = uniqueName('tracing-projection');

  beforeAll(async () => {
    api = await startRecordApiInProcess('tracing');
    const kafka = createKafka('one-trace-test');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics([group]));
    await admin.disconnect();
    projection = projectionConsumer(kafka, loadEventCodec(), new RecordWriter(api.db), group);
    await projection.start();
  }, 120_000);

  afterAll(async () => {
    await projection?.stop();
    await api?.close();
  });

  it('joins the caller’s trace, publishes it in the message, and projects the row in it', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const nhsNumber = nextTestNhsNumber();
    const token = await mintLocalNhsLoginToken({
      userId: 'traced-patient',
      nhsNumber,
      proofingLevel: 'P9',
    });
    const example = JSON.parse(
      readFileSync(join(schemasDir, 'examples', 'patient', 'PatientNoteAdded.json'), 'utf8'),
    ) as { type: string; payload: unknown };
    const accepted = await requestJson<{ eventId: string }>(
      `${api.url}/v1/patients/${nhsNumber}/contributions`,
      {
        method: 'POST',
        token,
        headers: {
          'Idempotency-Key': uniqueName('traced'),
          traceparent: `00-${traceId}-${callerSpanId}-01`,
        },
        body: { type: example.type, payload: example.payload },
      },
    );
    expect(accepted.status).toBe(202);
    const { eventId } = accepted.body;
    await eventually(() => api.db.getRepository(RecordEntryRow).findOneByOrFail({ eventId }), {
      timeoutMs: 60_000,
    });

    const inTrace = (): ReadableSpan[] =>
      exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const spans = await eventually(() => {
      const found = inTrace();
      expect(found.map((span) => span.name)).toEqual(
        expect.arrayContaining([
          'POST /v1/patients/:nhsNumber/contributions',
          expect.stringMatching(/patient\.record-entries\.v1 publish$/),
          `${group} process`,
        ]),
      );
      return found;
    });
    const server = spans.find((span) => span.name.startsWith('POST '));
    const publish = spans.find((span) => span.name.endsWith(' publish'));
    const processed = spans.find(
      (span) => span.name === `${group} process` && span.attributes['carelog.event_id'] === eventId,
    );
    // One chain: caller → record API → publish → projection.
    expect(server?.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(publish?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(processed?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    // Never an NHS number in a span: the server span is named by its route template.
    expect(JSON.stringify(spans.map((span) => [span.name, span.attributes]))).not.toContain(
      nhsNumber,
    );
  }, 120_000);
});
