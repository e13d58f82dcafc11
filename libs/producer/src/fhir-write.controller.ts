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
import { entryTypesOf } from '@carelog/domain';
import {
  bundleResponse,
  FHIR_JSON,
  isMappedEntryType,
  recordedOutcome,
  resourceTypeOf,
  writeOfResource,
  writesOfBundle,
} from '@carelog/fhir';
import { AnyCallerGuard, CurrentAnyCaller } from '@carelog/nest-platform';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { fhirBundleExample } from './openapi';
import type { EntryRecorder, ProducerServiceOptions } from './producer.module';

const OUTCOME = { description: 'OperationOutcome naming the resource and element (expression)' };

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
  const resourceTypes = [
    ...new Set(
      entryTypesOf(options.domain)
        .map((rule) => rule.type)
        .filter(isMappedEntryType)
        .map(resourceTypeOf),
    ),
  ].sort();

  @ApiTags('fhir')
  @ApiBearerAuth()
  @ApiConsumes('application/fhir+json', 'application/json')
  @ApiProduces('application/fhir+json')
  @Controller('fhir/R4')
  @UseGuards(AnyCallerGuard)
  class FhirWriteController {
    constructor(@Inject(recorderToken) private readonly recorder: EntryRecorder) {}

    @Post()
    @HttpCode(200)
    @ApiOperation({
      summary:
        'Record a transaction or batch Bundle of POST entries; refused whole, naming the entry and element, if any entry is wrong',
    })
    @ApiHeader({ name: 'X-Correlation-Id', required: false })
    @ApiBody({
      description: `A Bundle (type transaction or batch) of up to 100 entries, each { resource, request: { method: POST, url: <resourceType>, ifNoneExist? } }; resource types here: ${resourceTypes.join(', ')}. Each entry's key (the Idempotency-Key of POST /v1/entries) is request.ifNoneExist, else the resource's first identifier as system|value`,
      schema: { type: 'object' },
      examples: {
        transaction: {
          summary: `This service's FHIR resources, from the schema examples`,
          value: fhirBundleExample(
            loadEventCodec().catalogue,
            schemasDir,
            entryTypesOf(options.domain).filter((rule) => isMappedEntryType(rule.type)),
          ),
        },
      },
    })
    @ApiResponse({
      status: 200,
      description:
        'A transaction-response or batch-response Bundle: 201 Created and the location of each entry, in order',
    })
    @ApiResponse({ status: 400, ...OUTCOME })
    @ApiResponse({ status: 403, ...OUTCOME })
    @ApiResponse({ status: 409, ...OUTCOME })
    @ApiResponse({ status: 422, ...OUTCOME })
    @ApiResponse({ status: 503, ...OUTCOME })
    async bundle(
      @Body() body: unknown,
      @Headers('x-correlation-id') correlationId: string | undefined,
      @CurrentAnyCaller() caller: AnyCaller,
      @Res({ passthrough: true }) response: Response,
    ): Promise<Bundle> {
      const { type, writes } = writesOfBundle(body);
      const accepted = await this.recorder.recordAll(
        writes.map((write) => ({
          body: write.draft,
          idempotencyKey: write.idempotencyKey,
          at: write.path,
        })),
        correlationId,
        caller,
      );
      response.type(FHIR_JSON);
      return bundleResponse(
        type,
        accepted.map((recorded, index) => ({
          resourceType: writes[index]?.resourceType ?? '',
          eventId: recorded.eventId,
        })),
      );
    }

    @Post(':type')
    @HttpCode(201)
    @ApiOperation({ summary: 'Record one resource as an entry' })
    @ApiParam({ name: 'type', enum: resourceTypes })
    @ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Else If-None-Exist, else the resource identifier (system|value)',
    })
    @ApiHeader({ name: 'If-None-Exist', required: false })
    @ApiBody({ description: 'The resource', schema: { type: 'object' } })
    @ApiResponse({
      status: 201,
      description: 'An OperationOutcome saying what was recorded; Location names the resource',
    })
    @ApiResponse({ status: 400, ...OUTCOME })
    @ApiResponse({ status: 403, ...OUTCOME })
    @ApiResponse({ status: 409, ...OUTCOME })
    @ApiResponse({ status: 422, ...OUTCOME })
    @ApiResponse({ status: 503, ...OUTCOME })
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
      const [accepted] = await this.recorder.recordAll(
        [{ body: write.draft, idempotencyKey: write.idempotencyKey, at: write.path }],
        correlationId,
        caller,
      );
      const eventId = accepted?.eventId ?? '';
      response.type(FHIR_JSON).location(`${type}/${eventId}/_history/1`);
      return recordedOutcome(type, eventId);
    }
  }
  return FhirWriteController;
}
