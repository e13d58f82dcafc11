import 'reflect-metadata';
import type { OpenAPIObject } from '@nestjs/swagger';
import { linksOf, openApiDocumentOf, openApiGaps, operationIdOf } from '@carelog/testing';
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
});
