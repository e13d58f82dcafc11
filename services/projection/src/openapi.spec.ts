import 'reflect-metadata';
import { openApiDocumentOf, openApiGaps } from '@carelog/testing';
import { ProjectionModule } from './app.module';

describe("the projection service's OpenAPI document (health and metrics)", () => {
  it('declares every answer schema and error status', async () => {
    expect(openApiGaps(await openApiDocumentOf(ProjectionModule, 'projection'))).toEqual([]);
  });
});
