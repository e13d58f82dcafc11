import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { SOURCE_DOMAINS } from '@carelog/domain';
import { linksOf, openApiDocumentOf, openApiGaps, operationIdOf } from '@carelog/testing';
import { ProducerModule } from './producer.module';

const PRODUCER_DOMAINS = SOURCE_DOMAINS.filter((domain) => domain !== 'patient');

describe("every producer's OpenAPI document", () => {
  it.each(PRODUCER_DOMAINS)(
    '%s: declares every answer schema, request body and error status, and links an entry to its corrections',
    async (domain) => {
      @Module({ imports: [ProducerModule.forDomain({ service: `${domain}-docs`, domain })] })
      class Producer {}
      const document = await openApiDocumentOf(Producer, domain);
      expect(openApiGaps(document)).toEqual([]);
      expect(Object.values(linksOf(document, 'POST /v1/entries'))).toContainEqual({
        operationId: operationIdOf(document, 'POST /v1/entries/{eventId}/corrections'),
        parameters: { eventId: '$response.body#/eventId' },
      });
    },
  );
});
