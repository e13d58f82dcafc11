import 'reflect-metadata';
import { openApiDocumentOf, openApiGaps, operationsOf } from '@carelog/testing';
import { WebModule } from './app.module';

/**
 * The web app serves HTML pages and forms (server-rendered, session cookie, CSRF token) and a
 * server-sent-events stream: none is a JSON API, so they are left out of its document
 * (ApiExcludeController). What it documents is what it serves as JSON and text: health and
 * metrics, checked for gaps like every service's.
 */
describe("the web app's OpenAPI document", () => {
  it('holds its JSON and text routes only, each complete', async () => {
    const document = await openApiDocumentOf(WebModule, 'web');
    expect(operationsOf(document).map((operation) => operation.name)).toEqual([
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
    ]);
    expect(openApiGaps(document)).toEqual([]);
  });
});
