import 'reflect-metadata';
import type { OpenAPIObject } from '@nestjs/swagger';
import { loadEventCodec, readExample, schemasDir } from '@carelog/codec';
import { ENTRY_TYPE_NAMES, heldResultPayload } from '@carelog/domain';
import {
  exampleEvent,
  linksOf,
  OpenApiAnswers,
  openApiDocumentOf,
  openApiGaps,
  operationIdOf,
  testNhsNumber,
} from '@carelog/testing';
import { RecordApiModule } from './app.module';

describe("the record API's OpenAPI document", () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = await openApiDocumentOf(RecordApiModule, 'record-api');
  });

  it('declares for every operation its answer schema, request body and every error status', () => {
    expect(openApiGaps(document)).toEqual([]);
  });

  it.each([
    [
      'POST /v1/patients/{nhsNumber}/contributions',
      'GET /v1/patients/{nhsNumber}/entries/{eventId}',
      { nhsNumber: '$request.path.nhsNumber', eventId: '$response.body#/eventId' },
    ],
    [
      'GET /v1/patients/{nhsNumber}/entries/{eventId}',
      'GET /v1/patients/{nhsNumber}/entries/{eventId}/history',
      { nhsNumber: '$request.path.nhsNumber', eventId: '$response.body#/eventId' },
    ],
    [
      'GET /v1/tasks',
      'POST /v1/tasks/{taskId}/acknowledge',
      { taskId: '$response.body#/tasks/0/id' },
    ],
    ['GET /v1/tasks', 'GET /v1/tasks/{taskId}', { taskId: '$response.body#/tasks/0/id' }],
    [
      'POST /v1/patients/{nhsNumber}/break-glass',
      'GET /v1/patients/{nhsNumber}/record',
      { nhsNumber: '$request.path.nhsNumber' },
    ],
  ])('links %s to %s', (from, to, parameters) => {
    const target = operationIdOf(document, to);
    expect(target).toBeDefined();
    expect(Object.values(linksOf(document, from))).toContainEqual({
      operationId: target,
      parameters,
    });
  });

  describe('describes an entry by its type, closed wherever the code builds it', () => {
    const ENTRY = 'GET /v1/patients/{nhsNumber}/entries/{eventId}';
    const withExample = ENTRY_TYPE_NAMES.filter((type) => {
      const current = loadEventCodec().catalogue.current(type);
      return current !== undefined && readExample(schemasDir, current) !== undefined;
    });
    /** An entry view of a type's example as the projection stores it (decoded, then JSON). */
    const entryOf = (type: string): Record<string, unknown> => {
      const event = exampleEvent(type, { nhsNumber: testNhsNumber(1) });
      return JSON.parse(
        JSON.stringify({
          eventId: event.eventId,
          type,
          setting: 'gp',
          occurredAt: event.occurredAt,
          recordedAt: event.recordedAt,
          amendedAt: null,
          versions: 1,
          status: 'current',
          source: event.source,
          author: event.author,
          sensitivity: event.sensitivity,
          attention: event.attention,
          payload: event.payload,
        }),
      ) as Record<string, unknown>;
    };
    let answers: OpenApiAnswers;
    beforeAll(() => {
      answers = new OpenApiAnswers(document);
    });

    it('gives every entry type a closed payload schema', () => {
      const schemas = document.components?.schemas?.['EntryTypeAndPayload'] as {
        oneOf: Array<{
          properties: { type: { enum: string[] }; payload: Record<string, unknown> };
        }>;
      };
      const open = schemas.oneOf
        .filter((variant) => {
          const payload = variant.properties.payload;
          const closed = (candidate: Record<string, unknown>) =>
            candidate['type'] === 'object' && candidate['additionalProperties'] === false;
          const recorded = (payload['oneOf'] as Array<Record<string, unknown>> | undefined)?.[0];
          return !closed(recorded ?? payload);
        })
        .map((variant) => variant.properties.type.enum[0]);
      expect(schemas.oneOf).toHaveLength(ENTRY_TYPE_NAMES.length);
      expect(open).toEqual([]);
    });

    it.each(withExample)('matches an entry of %s as stored', (type) => {
      expect(answers.problems(ENTRY, entryOf(type))).toEqual([]);
    });

    it("matches a held result's placeholder, and refuses it for any other type", () => {
      const held = { ...entryOf('TestResultRecorded'), payload: heldResultPayload('Test result') };
      expect(answers.problems(ENTRY, held)).toEqual([]);
      expect(answers.problems(ENTRY, { ...held, type: 'ProblemRecorded' })).not.toEqual([]);
    });

    it.each([
      ['an undeclared field', (entry: Record<string, unknown>) => ({ ...entry, extra: 1 })],
      [
        'an undeclared field of the source',
        (entry: Record<string, unknown>) => ({
          ...entry,
          source: { ...(entry['source'] as object), extra: 1 },
        }),
      ],
      [
        'an undeclared field of the payload',
        (entry: Record<string, unknown>) => ({
          ...entry,
          payload: { ...(entry['payload'] as object), extra: 1 },
        }),
      ],
      [
        "another type's payload",
        (entry: Record<string, unknown>) => ({ ...entry, type: 'AllergyRecorded' }),
      ],
      ['no author', ({ author: _author, ...entry }: Record<string, unknown>) => entry],
    ])('finds %s', (_drift, drift) => {
      expect(answers.problems(ENTRY, drift(entryOf('ProblemRecorded')))).not.toEqual([]);
    });
  });
});
