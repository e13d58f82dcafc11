import 'reflect-metadata';
import { openApiDocumentOf, openApiGaps } from '@carelog/testing';
import { IdentityModule } from './app.module';

describe("the identity service's OpenAPI document", () => {
  it('declares every answer schema, request body and error status', async () => {
    const document = await openApiDocumentOf(IdentityModule, 'identity');
    expect(openApiGaps(document)).toEqual([]);
  });
});
