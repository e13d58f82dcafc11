import 'reflect-metadata';
import { openApiDocumentOf, openApiGaps } from '@carelog/testing';
import { AnalyticsExportModule } from './app.module';

describe("the analytics-export service's OpenAPI document (health and metrics)", () => {
  it('declares every answer schema and error status', async () => {
    expect(openApiGaps(await openApiDocumentOf(AnalyticsExportModule, 'analytics-export'))).toEqual(
      [],
    );
  });
});
