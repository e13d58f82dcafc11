import 'reflect-metadata';
import { linksOf, openApiDocumentOf, openApiGaps, operationIdOf } from '@carelog/testing';
import { NotificationsModule } from './app.module';

describe("the notifications service's OpenAPI document", () => {
  it('declares every answer schema, request body and error status; a subscription links to its removal', async () => {
    const document = await openApiDocumentOf(NotificationsModule, 'notifications');
    expect(openApiGaps(document)).toEqual([]);
    expect(Object.values(linksOf(document, 'POST /v1/subscriptions'))).toContainEqual({
      operationId: operationIdOf(document, 'DELETE /v1/subscriptions/{id}'),
      parameters: { id: '$response.body#/id' },
    });
  });
});
