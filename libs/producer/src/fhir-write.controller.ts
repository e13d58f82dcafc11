import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
  UseGuards,
  type Type,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AnyCaller } from '@carelog/auth';
import { loadEventCodec, schemasDir } from '@carelog/codec';
import { DomainError, entryTypesOf, type EntryTypeRule, type SourceDomain } from '@carelog/domain';
import {
  bundleResponse,
  entriesOfBundle,
  FHIR_JSON,
  isMappedEntryType,
  operationOutcome,
  recordedOutcome,
  resourceTypeOf,
  writeOfResource,
  type BundleEntryResult,
  type BundleEntryWrite,
  type FhirWrite,
} from '@carelog/fhir';
import {
  AnyCallerGuard,
  ApiOutcomes,
  IDEMPOTENCY_KEY,
  CurrentAnyCaller,
  OPERATION_OUTCOME_SCHEMA,
  problemFor,
} from '@carelog/nest-platform';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { fhirBundleExample } from './openapi';
import { eventIdFor } from './entry-decision';
import type { EntryRecorder, ProducerServiceOptions } from './producer.module';
import { authorOf } from './relationships/entry-author';

/** A FHIR write as the EntryRecorder's request: its entry, key and place in the request. */
const requestOf = (write: FhirWrite) => ({
  body: write.draft,
  idempotencyKey: write.idempotencyKey,
  at: write.path,
});

/**
 * The domain's entry types a FHIR write may record: the mapped ones some role may author (a
 * type carelog raises itself, such as HomeReadingsFlagged, is served as FHIR but not written).
 */
/** What a Bundle has, here; its entries are R4 resources, described by FHIR itself. */
const BUNDLE_SCHEMA = {
  type: 'object',
  required: ['resourceType', 'type'],
  properties: {
    resourceType: { type: 'string', enum: ['Bundle'] },
    type: { type: 'string' },
    entry: { type: 'array', items: { type: 'object' } },
  },
};

export const fhirWritableRules = (domain: SourceDomain): readonly EntryTypeRule[] =>
  entryTypesOf(domain).filter((rule) => rule.authors.length > 0 && isMappedEntryType(rule.type));

/**
 * FHIR R4 in (README, "FHIR R4"): a transaction or batch Bundle, or one resource, of the
 * resource types that map one-to-one onto this domain's entry types, recorded through the
 * same EntryRecorder as `POST /v1/entries` (authoring rights, relationship rules, validation,
 * idempotency). One controller per domain, so that its OpenAPI lists that domain's types.
 */
export function fhirWriteController(
  options: ProducerServiceOptions,
  recorderToken: Type<EntryRecorder>,
): Type<unknown> {
  const writable = fhirWritableRules(options.domain);
  const resourceTypes = [
    ...new Set(
      writable
        .map((rule) => rule.type)
        .filter(isMappedEntryType)
        .map(resourceTypeOf),
    ),
  ].sort();

  @ApiTags('fhir')
  @ApiBearerAuth()
  @ApiConsumes('application/fhir+json', 'application/json')
  @ApiProduces('application/fhir+json')
  @ApiOutcomes(400, 401, 403, 404, 409, 413, 415, 422, 503)
  @Controller('fhir/R4')
  @UseGuards(AnyCallerGuard)
  class FhirWriteController {
    constructor(@Inject(recorderToken) private readonly recorder: EntryRecorder) {}

    @Post()
    @HttpCode(200)
    @ApiOperation({
      summary:
        'Record a transaction Bundle of POST entries (refused whole, naming the entry and element, if any entry is refused) or a batch Bundle (each entry on its own)',
    })
    @ApiHeader({ name: 'X-Correlation-Id', required: false })
    @ApiBody({
      description: `A Bundle (type transaction or batch) of up to 100 entries, each { resource, request: { method: POST, url: <resourceType>, ifNoneExist? } }; resource types here: ${resourceTypes.join(', ')}. Each entry's key (the Idempotency-Key of POST /v1/entries) is request.ifNoneExist, else the resource's first identifier as system|value`,
      schema: BUNDLE_SCHEMA,
      examples: {
        transaction: {
          summary: `This service's FHIR resources, from the schema examples`,
          value: fhirBundleExample(loadEventCodec().catalogue, schemasDir, writable),
        },
      },
    })
    @ApiResponse({
      status: 200,
      schema: BUNDLE_SCHEMA,
      description:
        'A transaction-response Bundle (201 Created and the location of each entry, in order) or a batch-response Bundle (each entry 201 Created with its location, or its 4xx status with an OperationOutcome naming the entry and element)',
    })
    async bundle(
      @Body() body: unknown,
      @Headers('x-correlation-id') correlationId: string | undefined,
      @CurrentAnyCaller() caller: AnyCaller,
      @Res({ passthrough: true }) response: Response,
    ): Promise<Bundle> {
      const author = authorOf(caller);
      const read = entriesOfBundle(body, (key) => eventIdFor(author, key));
      const results =
        read.type === 'transaction'
          ? await this.transaction(read.entries, correlationId, caller)
          : await this.batch(read.entries, correlationId, caller);
      response.type(FHIR_JSON);
      return bundleResponse(read.type, results);
    }

    /** All or nothing: the first entry refused (read, or by the rules) refuses the Bundle. */
    private async transaction(
      entries: readonly BundleEntryWrite[],
      correlationId: string | undefined,
      caller: AnyCaller,
    ): Promise<BundleEntryResult[]> {
      const writes = entries.map((entry) => {
        if ('refused' in entry) throw entry.refused;
        return entry.write;
      });
      const accepted = await this.recorder.recordAll(writes.map(requestOf), correlationId, caller);
      return accepted.map((recorded, index) => ({
        resourceType: writes[index]?.resourceType ?? '',
        eventId: recorded.eventId,
      }));
    }

    /**
     * Each entry on its own, in order: one refused (a 4xx: read, rights, rules) is answered
     * in its place with its OperationOutcome and the others are recorded. A dependency that
     * is unavailable (a 5xx) fails the whole request, so that the client retries the Bundle;
     * entries recorded before it are recorded once, by their keys.
     */
    private async batch(
      entries: readonly BundleEntryWrite[],
      correlationId: string | undefined,
      caller: AnyCaller,
    ): Promise<BundleEntryResult[]> {
      const results: BundleEntryResult[] = [];
      for (const entry of entries) {
        try {
          if ('refused' in entry) throw entry.refused;
          const [recorded] = await this.recorder.recordAll(
            [requestOf(entry.write)],
            correlationId,
            caller,
          );
          results.push({
            resourceType: entry.write.resourceType,
            eventId: recorded?.eventId ?? '',
          });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          const problem = problemFor(error.code, error.message, error.field);
          if (problem.status >= 500) throw error;
          results.push({ status: problem.status, outcome: operationOutcome(problem) });
        }
      }
      return results;
    }

    @Post(':type')
    @HttpCode(201)
    @ApiOperation({ summary: 'Record one resource as an entry' })
    @ApiParam({ name: 'type', enum: resourceTypes })
    @ApiHeader({
      ...IDEMPOTENCY_KEY,
      required: false,
      description: 'Else If-None-Exist, else the resource identifier (system|value)',
    })
    @ApiHeader({ name: 'If-None-Exist', required: false })
    @ApiBody({
      description: 'The resource',
      schema: {
        type: 'object',
        required: ['resourceType'],
        properties: { resourceType: { type: 'string', enum: resourceTypes } },
      },
    })
    @ApiResponse({
      status: 201,
      schema: OPERATION_OUTCOME_SCHEMA,
      description: 'An OperationOutcome saying what was recorded; Location names the resource',
    })
    async create(
      @Param('type') type: string,
      @Body() body: unknown,
      @Headers('idempotency-key') idempotencyKey: string | undefined,
      @Headers('if-none-exist') ifNoneExist: string | undefined,
      @Headers('x-correlation-id') correlationId: string | undefined,
      @CurrentAnyCaller() caller: AnyCaller,
      @Res({ passthrough: true }) response: Response,
    ): Promise<OperationOutcome> {
      const write = writeOfResource(body, type, { idempotencyKey, ifNoneExist });
      const [accepted] = await this.recorder.recordAll([requestOf(write)], correlationId, caller);
      const eventId = accepted?.eventId ?? '';
      response.type(FHIR_JSON).location(`${type}/${eventId}/_history/1`);
      return recordedOutcome(type, eventId);
    }
  }
  return FhirWriteController;
}
