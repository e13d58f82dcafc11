import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { loadEventCodec, readExample, schemasDir, type EntryExample } from '@carelog/codec';
import { entryTypeRule, type Role, type SourceDomain } from '@carelog/domain';
import { createKafka, recordEntryTopic } from '@carelog/kafka';
import { createHttpService } from '@carelog/nest-platform';
import { givenCareRelationships } from './care-relationships';
import { eventually } from './eventually';
import { readPartition } from './kafka';
import { requestJson, type JsonResponse } from './http';
import { nextTestNhsNumber } from './nhs-numbers';

export interface ProducerServiceUnderTest {
  service: string;
  domain: SourceDomain;
  module: Type<unknown>;
  /** An entry type of this domain, with an example in schemas/examples/. */
  entryType: string;
  /** A role that may author it, and one that may not. */
  author: Role;
  forbiddenAuthor: Role;
  /**
   * Who records the entry type in the contract: a person of `author`'s role (default), or the
   * organisation's source system (for types that start a relationship, which only it may send).
   */
  recordedBy?: 'person' | 'source-system';
}

type Accepted = { eventId: string; topic: string; partition: number; offset: string };
type Problem = { code: string; field?: string; status: number };

async function listen(
  module: Type<unknown>,
  service: string,
): Promise<{ app: NestExpressApplication; url: string }> {
  const app = await createHttpService({ name: service, description: 'under test', module });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/**
 * The contract every producer service keeps, run against a real broker and database:
 * accepted entries are on the topic, decodable and keyed by NHS number; retries record
 * nothing twice; a down broker gives 503 and records nothing; bad input is named.
 */
export function describeProducerService(subject: ProducerServiceUnderTest): void {
  describe(`${subject.service}: POST /v1/entries against real Kafka and Postgres`, () => {
    const codec = loadEventCodec();
    const kafka = createKafka(`${subject.service}-contract-test`);
    const organisation = 'T10001';
    let app: NestExpressApplication;
    let url: string;
    let token: string;
    let example: EntryExample;
    /** Patients the organisation holds a care relationship with: writing needs one. */
    const related = Array.from({ length: 80 }, () => nextTestNhsNumber());
    let nextRelated = 0;

    beforeAll(async () => {
      await givenCareRelationships(related.map((nhsNumber) => ({ nhsNumber, organisation })));
      ({ app, url } = await listen(subject.module, subject.service));
      token =
        subject.recordedBy === 'source-system'
          ? await mintLocalSystemToken({
              organisation,
              entryTypes: [subject.entryType],
              clientId: `${subject.service}-tester`,
            })
          : await mintLocalToken({
              role: subject.author,
              organisation,
              userId: `${subject.service}-tester`,
            });
      const current = codec.catalogue.current(subject.entryType);
      const found = current && readExample(schemasDir, current);
      if (!found) throw new Error(`no example for ${subject.entryType}`);
      example = found;
    });

    afterAll(async () => {
      await app.close();
    });

    const relatedPatient = (): string => {
      const nhsNumber = related[nextRelated++];
      if (!nhsNumber) throw new Error('the contract needs more related patients');
      return nhsNumber;
    };
    const body = (overrides: Record<string, unknown> = {}) => ({
      ...example,
      patient: { nhsNumber: relatedPatient() },
      ...overrides,
    });
    const post = <T>(
      payload: unknown,
      key: string | null = randomUUID(),
      bearer: string | null = token,
      base = url,
    ) =>
      requestJson<T>(`${base}/v1/entries`, {
        method: 'POST',
        body: payload,
        headers: {
          ...(key === null ? {} : { 'Idempotency-Key': key }),
          ...(bearer === null ? {} : { Authorization: `Bearer ${bearer}` }),
        },
      });
    /** The example's payload with its longest free-text field grown past the 256 KiB event limit. */
    /** The example's longest text field, grown past any text limit (README: "Input limits"). */
    const longestText = () => {
      const [field] = Object.keys(example.payload)
        .filter((key) => typeof example.payload[key] === 'string')
        .sort((a, b) => String(example.payload[b]).length - String(example.payload[a]).length);
      if (!field) throw new Error(`the ${subject.entryType} example has no text field to grow`);
      return field;
    };
    const oversized = () => ({ ...example.payload, [longestText()]: 'x'.repeat(300_000) });
    // The topic is shared with other tests (and earlier runs): skip what this codec cannot read.
    const eventIdOf = (value: Buffer | null): string | undefined => {
      try {
        return value ? codec.decode(value).event.eventId : undefined;
      } catch {
        return undefined;
      }
    };
    const eventsWithId = async (accepted: Accepted) =>
      (await readPartition(kafka, accepted.topic, accepted.partition)).filter(
        (message) => eventIdOf(message.value) === accepted.eventId,
      );

    it('puts an accepted entry on its topic, decodable, keyed by NHS number, author from the token', async () => {
      const request = body();
      const response = await post<Accepted>(request);
      expect(response.status).toBe(202);
      expect(response.body.topic).toBe(recordEntryTopic(subject.domain));
      const [message] = await readPartition(
        kafka,
        response.body.topic,
        response.body.partition,
        response.body.offset,
      );
      expect(message?.key?.toString()).toBe(request.patient.nhsNumber);
      const { event } = codec.decode(message?.value ?? Buffer.alloc(0));
      expect(event).toMatchObject({
        eventId: response.body.eventId,
        type: subject.entryType,
        patient: { nhsNumber: request.patient.nhsNumber },
        author: {
          userId: `${subject.service}-tester`,
          role: subject.recordedBy === 'source-system' ? 'system' : subject.author,
          organisation,
        },
        source: { service: subject.service, organisation },
      });
    });

    it('records a retried request once, with the same eventId, and refuses the key for another body', async () => {
      const key = randomUUID();
      const request = body();
      const first = await post<Accepted>(request, key);
      const retry = await post<Accepted>(request, key);
      expect(first.status).toBe(202);
      expect(retry.status).toBe(202);
      expect(retry.body).toEqual(first.body);
      expect(await eventsWithId(first.body)).toHaveLength(1);
      const reused = await post<Problem>(body(), key);
      expect(reused.status).toBe(409);
      expect(reused.body).toMatchObject({
        code: 'idempotency-key-reused',
        field: 'Idempotency-Key',
      });
    });

    it('records concurrent retries of one request once: every answer is the first answer', async () => {
      const key = randomUUID();
      const request = body();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => post<Accepted>(request, key)),
      );
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
      const [first] = answers;
      for (const answer of answers) expect(answer.body).toEqual(first?.body);
      expect(await eventsWithId(first?.body as Accepted)).toHaveLength(1);
      const reused = await Promise.all([post<Problem>(body(), key), post<Accepted>(request, key)]);
      expect(reused.map((answer) => answer.status)).toEqual([409, 202]);
      expect(reused[1]?.body).toEqual(first?.body);
    });

    it('answers 503 with Retry-After when the broker is unreachable, and records nothing', async () => {
      const brokers = process.env['KAFKA_BROKERS'];
      process.env['KAFKA_BROKERS'] = '127.0.0.1:1';
      const down = await listen(subject.module, subject.service).finally(() => {
        process.env['KAFKA_BROKERS'] = brokers;
      });
      try {
        const key = randomUUID();
        const request = body();
        const started = Date.now();
        const refused = await post<Problem>(request, key, token, down.url);
        expect(refused.status).toBe(503);
        expect(refused.body.code).toBe('broker-unavailable');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(Date.now() - started).toBeLessThan(15_000);
        // Nothing was remembered either: the same request, once the broker is back, records one event.
        const accepted = await post<Accepted>(request, key);
        expect(accepted.status).toBe(202);
        expect(await eventsWithId(accepted.body)).toHaveLength(1);
      } finally {
        await down.app.close();
      }
    });

    it('finishes the requests in flight when it shuts down: every one is answered 202 and on the topic', async () => {
      const closing = await listen(subject.module, subject.service);
      let received = 0;
      closing.app.getHttpServer().on('request', () => received++);
      const requests = Array.from({ length: 20 }, () =>
        post<Accepted>(body(), randomUUID(), token, closing.url),
      );
      // Shut down once the server has every request, before it has answered them all.
      await eventually(() => expect(received).toBe(20), { intervalMs: 1 });
      await closing.app.close();
      const answers = await Promise.all(requests);
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
      for (const answer of answers) expect(await eventsWithId(answer.body)).toHaveLength(1);
    });

    it.each<[string, () => Promise<JsonResponse<Problem>>, number, string, string | undefined]>([
      [
        'a bad NHS number',
        () => post(body({ patient: { nhsNumber: '1234567890' } })),
        400,
        'invalid-nhs-number',
        'patient.nhsNumber',
      ],
      [
        'an unknown entry type',
        () => post(body({ type: 'PizzaOrdered' })),
        400,
        'unknown-entry-type',
        'type',
      ],
      [
        'a clinical time in the future',
        () => post(body({ occurredAt: new Date(Date.now() + 3_600_000).toISOString() })),
        422,
        'clinical-time-in-future',
        'occurredAt',
      ],
      [
        'an over-long text field',
        () => post(body({ payload: oversized() })),
        400,
        'text-too-long',
        'payload.__longest__',
      ],
      [
        'a payload field the schema does not have',
        () => post(body({ payload: { ...example.payload, shoeSize: 9 } })),
        422,
        'invalid-event',
        'payload.shoeSize',
      ],
      [
        'an unknown sensitivity category',
        () => post(body({ sensitivity: ['celebrity'] })),
        400,
        'unknown-sensitivity-category',
        'sensitivity[0]',
      ],
      ['malformed JSON', () => post('{"patient": '), 400, 'malformed-json', 'body'],
      [
        'a body over the 1 MB limit',
        () => post(body({ payload: { padding: 'x'.repeat(1_100_000) } })),
        413,
        'payload-too-large',
        'body',
      ],
      [
        'a missing token',
        () => post(body(), randomUUID(), null),
        401,
        'missing-token',
        'Authorization',
      ],
      [
        'an invalid token',
        () => post(body(), randomUUID(), `${token.slice(0, -4)}AAAA`),
        401,
        'invalid-token',
        'Authorization',
      ],
      [
        'a missing Idempotency-Key',
        () => post(body(), null),
        400,
        'missing-idempotency-key',
        'Idempotency-Key',
      ],
    ])(
      'refuses %s as problem+json with code and field',
      async (_case, send, status, code, field) => {
        const response = await send();
        expect(response.status).toBe(status);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        const named = field === 'payload.__longest__' ? `payload.${longestText()}` : field;
        expect(response.body).toMatchObject({ status, code, ...(named ? { field: named } : {}) });
      },
    );

    const startsRelationship = entryTypeRule(subject.entryType)?.relationship?.effect === 'starts';
    it('refuses a write into the record of a patient the organisation has no relationship with (or a start from a person), and records nothing', async () => {
      const request = body({ patient: { nhsNumber: nextTestNhsNumber() } });
      const person = await mintLocalToken({ role: subject.author, organisation });
      const refused = await post<Problem>(request, randomUUID(), person);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject(
        startsRelationship
          ? { code: 'relationship-start-not-permitted', field: 'type' }
          : { code: 'care-relationship-required', field: 'patient.nhsNumber' },
      );
      // The same request is not remembered: once related, the organisation may record it.
      await givenCareRelationships([{ nhsNumber: request.patient.nhsNumber, organisation }]);
      expect((await post<Accepted>(request)).status).toBe(202);
    });

    it('refuses a flag naming an organisation with no relationship (422), and takes one that holds it', async () => {
      const flagged = (recipient: string) =>
        body({ attention: { role: 'gp', organisation: recipient, reason: 'please review' } });
      for (const nobody of ['X99999', ''])
        expect((await post<Problem>(flagged(nobody))).body).toMatchObject({
          status: 422,
          code: 'attention-recipient-unreachable',
          field: 'attention.organisation',
        });
      expect((await post<Accepted>(flagged(organisation))).status).toBe(202);
    });

    it('takes the entry from a source system registered for its type, stamping the system as author', async () => {
      const systemToken = await mintLocalSystemToken({
        organisation,
        entryTypes: [subject.entryType],
        clientId: `${subject.service}-system`,
        systemName: 'Contract Test System',
      });
      const request = body();
      const response = await post<Accepted>(request, randomUUID(), systemToken);
      expect(response.status).toBe(202);
      const [message] = await readPartition(
        kafka,
        response.body.topic,
        response.body.partition,
        response.body.offset,
      );
      expect(codec.decode(message?.value ?? Buffer.alloc(0)).event).toMatchObject({
        author: {
          userId: `${subject.service}-system`,
          role: 'system',
          profession: 'system',
          organisation,
        },
        source: { organisation, system: 'Contract Test System' },
      });
      const unregistered = await mintLocalSystemToken({ organisation, entryTypes: ['Nothing'] });
      expect((await post<Problem>(body(), randomUUID(), unregistered)).status).toBe(403);
    });

    it('refuses an entry type the role may not author', async () => {
      const other = await mintLocalToken({ role: subject.forbiddenAuthor, organisation });
      const response = await post<Problem>(body(), randomUUID(), other);
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: 'not-permitted-to-author', field: 'type' });
    });

    it('lets the authoring organisation correct an entry, and no one else', async () => {
      const original = await post<Accepted>(body());
      expect(original.status).toBe(202);
      const correct = (request: unknown, bearer = token, id = original.body.eventId) =>
        requestJson<Accepted & Problem>(`${url}/v1/entries/${id}/corrections`, {
          method: 'POST',
          body: request,
          headers: { 'Idempotency-Key': randomUUID(), Authorization: `Bearer ${bearer}` },
        });
      const stranger = await mintLocalToken({ role: subject.author, organisation: 'X99999' });
      expect(
        (await correct({ kind: 'entered-in-error', reason: 'wrong patient' }, stranger)).body.code,
      ).toBe('not-authoring-organisation');
      expect(
        (await correct({ kind: 'entered-in-error', reason: 'x' }, token, randomUUID())).body.code,
      ).toBe('entry-not-found');
      expect((await correct({ kind: 'deleted', reason: 'x' })).body).toMatchObject({
        code: 'invalid-correction-kind',
        field: 'kind',
      });

      const amended = await correct({
        kind: 'amended',
        reason: 'typo in the note',
        payload: example.payload,
      });
      expect(amended.status).toBe(202);
      const [amendment] = await readPartition(
        kafka,
        amended.body.topic,
        amended.body.partition,
        amended.body.offset,
      );
      expect(codec.decode(amendment?.value ?? Buffer.alloc(0)).event).toMatchObject({
        type: subject.entryType,
        supersedes: { eventId: original.body.eventId, reason: 'typo in the note' },
      });

      const inError = await correct({ kind: 'entered-in-error', reason: 'wrong patient' });
      expect(inError.status).toBe(202);
      const [marker] = await readPartition(
        kafka,
        inError.body.topic,
        inError.body.partition,
        inError.body.offset,
      );
      expect(codec.decode(marker?.value ?? Buffer.alloc(0)).event).toMatchObject({
        type: 'EntryEnteredInError',
        payload: {
          entryEventId: original.body.eventId,
          entryType: subject.entryType,
          reason: 'wrong patient',
        },
      });
    });

    it('publishes OpenAPI listing every entry type it accepts, with an example of each', async () => {
      const document = await requestJson<{
        paths: Record<
          string,
          {
            post?: {
              requestBody?: {
                content: Record<
                  string,
                  {
                    schema: { oneOf: Array<{ properties: { type: { enum: string[] } } }> };
                    examples: Record<string, unknown>;
                  }
                >;
              };
            };
          }
        >;
      }>(`${url}/docs-json`);
      const content =
        document.body.paths['/v1/entries']?.post?.requestBody?.content['application/json'];
      const accepted = (content?.schema.oneOf ?? []).flatMap((body) => body.properties.type.enum);
      expect(accepted).toContain(subject.entryType);
      expect(accepted).not.toContain('EntryEnteredInError');
      expect(Object.keys(content?.examples ?? {}).sort()).toEqual([...accepted].sort());
    });
  });
}
