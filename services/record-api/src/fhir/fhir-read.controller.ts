import { Controller, Get, Header, Inject, Param, Query, Req, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import type { Caller } from '@carelog/auth';
import { DomainError } from '@carelog/domain';
import {
  capabilityStatement,
  entryMatches,
  FHIR_JSON,
  historyBundle,
  isAfter,
  isMappedEntryType,
  isSearchableResourceType,
  parseFhirSearch,
  patientResource,
  resourceForSearch,
  resourcesOfEntry,
  searchCursor,
  searchedPatient,
  searchsetBundle,
  SEARCHABLE_RESOURCE_TYPES,
  entryToFhir,
  type FhirSearch,
  type FhirSourceEntry,
} from '@carelog/fhir';
import type { Bundle, CapabilityStatement, Patient, Resource } from '@medplum/fhirtypes';
import { ApiAnswer, ApiOutcomes, CallerGuard, CurrentCaller } from '@carelog/nest-platform';
import { FHIR_BUNDLE_SCHEMA, FHIR_RESOURCE_SCHEMA } from '../openapi-schemas';
import { PatientGate, type OpenedPatient } from '../patient-gate/patient-gate';
import { disclosureTo, RecordQuery, type EntryView } from '../patient-record/record-query';

/** No such resource, or one the caller may not see: the same answer either way. */
const resourceNotFound = (): DomainError =>
  new DomainError('resource-not-found', 'no resource with that id is visible to you', 'id');

const baseOf = (request: Request): string =>
  `${request.protocol}://${request.get('host') ?? 'localhost'}/fhir/R4`;

/** The request's URL again, with the query given (for Bundle links). */
function linkTo(request: Request, query: Record<string, string | string[] | undefined>): string {
  const url = new URL(`${baseOf(request)}${request.path.replace(/^\/fhir\/R4/, '')}`);
  for (const [name, value] of Object.entries(query))
    for (const item of value === undefined ? [] : Array.isArray(value) ? value : [value])
      url.searchParams.append(name, item);
  return url.toString();
}

const asSource = (nhsNumber: string, entry: EntryView): FhirSourceEntry => ({
  ...entry,
  patient: { nhsNumber },
});

const SEARCH_QUERIES = [
  { name: 'patient', required: true, description: 'The NHS number, or Patient/<NHS number>' },
  {
    name: 'date',
    required: false,
    description: 'When it happened: [eq|ne|gt|lt|ge|le]<date or dateTime>; may repeat',
  },
  {
    name: '_lastUpdated',
    required: false,
    description: 'When carelog recorded its current version; as date',
  },
  { name: '_count', required: false, description: '1 to 200, default 50' },
  { name: '_cursor', required: false, description: "The `next` link's cursor" },
];

/**
 * The record as FHIR R4 (README, "FHIR R4"): the same patient gate, access rules and audit as
 * the JSON routes, so that the two cannot diverge; errors as OperationOutcome (the problem
 * filter). Entries come from RecordQuery exactly as the JSON record shows them.
 */
@ApiTags('fhir')
@ApiProduces('application/fhir+json')
@ApiOutcomes(400, 401, 403, 404, 503)
@Controller('fhir/R4')
export class FhirReadController {
  constructor(
    @Inject(PatientGate) private readonly gate: PatientGate,
    @Inject(RecordQuery) private readonly records: RecordQuery,
  ) {}

  @Get('metadata')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({
    summary: 'The CapabilityStatement: what this FHIR R4 API serves (no token needed)',
  })
  @ApiAnswer(200, 'The CapabilityStatement', FHIR_RESOURCE_SCHEMA, { contentType: FHIR_JSON })
  metadata(@Req() request: Request): CapabilityStatement {
    return capabilityStatement(baseOf(request), { version: '1' });
  }

  @Get('Patient/:id')
  @UseGuards(CallerGuard)
  @ApiBearerAuth()
  @Header('Content-Type', FHIR_JSON)
  @ApiParam({ name: 'id', description: 'The NHS number' })
  @ApiOperation({
    summary: 'The patient: the NHS number, and no demographics carelog does not hold',
  })
  @ApiAnswer(200, 'The Patient resource (UK Core)', FHIR_RESOURCE_SCHEMA, {
    contentType: FHIR_JSON,
  })
  async patient(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<Patient> {
    const patient = await this.gate.open(caller, id, 'read-record');
    await patient.audit(0);
    return patientResource(patient.nhsNumber);
  }

  @Get('Patient/:id/:operation')
  @UseGuards(CallerGuard)
  @ApiBearerAuth()
  @Header('Content-Type', FHIR_JSON)
  @ApiParam({ name: 'id', description: 'The NHS number' })
  @ApiParam({ name: 'operation', enum: ['$everything'] })
  @ApiQuery({
    name: '_count',
    required: false,
    description: 'Entries per page: 1 to 200, default 50',
    schema: { type: 'integer', minimum: 1, maximum: 200 },
  })
  @ApiQuery({ name: '_cursor', required: false })
  @ApiOperation({
    summary:
      'Patient/{id}/$everything: the patient and every entry the caller may see, each with its Provenance (and Task when flagged), paged',
  })
  @ApiAnswer(200, 'A searchset Bundle of what the caller may see', FHIR_BUNDLE_SCHEMA, {
    contentType: FHIR_JSON,
  })
  async everything(
    @Param('id') id: string,
    @Param('operation') operation: string,
    @Query() query: Record<string, string | string[] | undefined>,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
  ): Promise<Bundle> {
    if (operation !== '$everything') throw new DomainError('route-not-found', 'no such operation');
    const patient = await this.gate.open(caller, id, 'read-record');
    const search = parseFhirSearch({ ...query, patient: id });
    const { page, next } = this.pageOf(await this.shownEntries(patient), search);
    await patient.audit(page.length);
    const base = baseOf(request);
    return searchsetBundle(
      base,
      [
        ...(search.after ? [] : [patientResource(patient.nhsNumber)]),
        ...page.flatMap((entry) => resourcesOfEntry(entry)),
      ],
      {
        self: linkTo(request, query),
        next: next ? linkTo(request, { ...query, _cursor: next }) : null,
      },
    );
  }

  @Get(':type')
  @UseGuards(CallerGuard)
  @ApiBearerAuth()
  @Header('Content-Type', FHIR_JSON)
  @ApiParam({ name: 'type', enum: SEARCHABLE_RESOURCE_TYPES })
  @ApiQuery(SEARCH_QUERIES[0] ?? { name: 'patient' })
  @ApiQuery(SEARCH_QUERIES[1] ?? { name: 'date' })
  @ApiQuery(SEARCH_QUERIES[2] ?? { name: '_lastUpdated' })
  @ApiQuery(SEARCH_QUERIES[3] ?? { name: '_count' })
  @ApiQuery(SEARCH_QUERIES[4] ?? { name: '_cursor' })
  @ApiAnswer(
    200,
    'A searchset Bundle, oldest first, with self and next links; no total (counts are given on whole views only)',
    FHIR_BUNDLE_SCHEMA,
    { contentType: FHIR_JSON },
  )
  @ApiOperation({ summary: "Search one patient's resources of a type (patient is required)" })
  async search(
    @Param('type') type: string,
    @Query() query: Record<string, string | string[] | undefined>,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
  ): Promise<Bundle> {
    if (!isSearchableResourceType(type))
      throw new DomainError(
        'resource-type-not-supported',
        `must be one of ${SEARCHABLE_RESOURCE_TYPES.join(', ')}`,
        'type',
      );
    // The patient first, so that a denied or unknown patient answers before anything else.
    const patient = await this.gate.open(caller, searchedPatient(query), 'read-record');
    const search = parseFhirSearch(query);
    const typed = (await this.shownEntries(patient)).filter(
      (entry) => resourceForSearch(entry, type) !== null,
    );
    const { page, next } = this.pageOf(typed, search);
    await patient.audit(page.length);
    return searchsetBundle(
      baseOf(request),
      page.map((entry) => resourceForSearch(entry, type)).filter((r): r is Resource => r !== null),
      {
        self: linkTo(request, query),
        next: next ? linkTo(request, { ...query, _cursor: next }) : null,
      },
    );
  }

  @Get(':type/:id')
  @UseGuards(CallerGuard)
  @ApiBearerAuth()
  @Header('Content-Type', FHIR_JSON)
  @ApiParam({ name: 'type', enum: SEARCHABLE_RESOURCE_TYPES })
  @ApiParam({ name: 'id', description: "The entry's event id" })
  @ApiOperation({
    summary:
      'One resource by id (an entry, its Provenance or its Task); entered-in-error entries say so; not visible answers as not there',
  })
  @ApiAnswer(200, 'The resource', FHIR_RESOURCE_SCHEMA, { contentType: FHIR_JSON })
  async read(
    @Param('type') type: string,
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<Resource> {
    const { patient, entry } = await this.openEntry(caller, type, id, 'read-entry');
    const resource = resourceForSearch(entry, type);
    await patient.audit(resource ? 1 : 0);
    if (!resource) throw resourceNotFound();
    return resource;
  }

  @Get(':type/:id/_history')
  @UseGuards(CallerGuard)
  @ApiBearerAuth()
  @Header('Content-Type', FHIR_JSON)
  @ApiParam({ name: 'type', enum: SEARCHABLE_RESOURCE_TYPES })
  @ApiParam({ name: 'id', description: "The entry's event id" })
  @ApiOperation({
    summary:
      "An entry's every version, newest first, as a history Bundle; the last is entered-in-error if it was",
  })
  @ApiAnswer(200, 'A history Bundle: every version the caller may see', FHIR_BUNDLE_SCHEMA, {
    contentType: FHIR_JSON,
  })
  async history(
    @Param('type') type: string,
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
  ): Promise<Bundle> {
    const { patient } = await this.openEntry(caller, type, id, 'read-entry-history');
    const history = await this.records.history(patient, id).catch(async (error: unknown) => {
      await patient.audit(0);
      throw error;
    });
    // Each version as the resource then stood (its id the entry's); a correction that entered
    // it in error is the last version, with FHIR's entered-in-error status.
    const resources: Resource[] = [];
    let previous: FhirSourceEntry | undefined;
    for (const [index, shown] of history.versions.entries()) {
      const source: FhirSourceEntry =
        shown.type === 'EntryEnteredInError'
          ? {
              ...(previous ?? asSource(patient.nhsNumber, history.entry)),
              status: 'entered-in-error',
            }
          : {
              ...asSource(patient.nhsNumber, history.entry),
              occurredAt: shown.occurredAt,
              author: shown.author,
              attention: shown.attention,
              payload: shown.payload,
              status: 'current',
            };
      previous = { ...source, versions: index + 1, amendedAt: shown.recordedAt };
      const resource = entryToFhir(previous);
      if (resource?.resourceType === type) resources.push(resource);
    }
    await patient.audit(resources.length);
    if (resources.length === 0) throw resourceNotFound();
    return historyBundle(baseOf(request), linkTo(request, {}), resources.reverse());
  }

  /**
   * The entry a `{type}/{id}` names, through the patient gate: the entry's patient is looked up
   * by key only, then the gate decides as for any read. No such entry, a patient the caller
   * may not read and an entry they may not see all answer the same 404.
   */
  private async openEntry(
    caller: Caller,
    type: string,
    id: string,
    action: 'read-entry' | 'read-entry-history',
  ): Promise<{ patient: OpenedPatient; entry: FhirSourceEntry }> {
    const nhsNumber = isSearchableResourceType(type)
      ? await this.records.patientOfEntry(id)
      : undefined;
    if (nhsNumber === undefined) {
      await this.gate.refuse(caller, null, action);
      throw resourceNotFound();
    }
    const patient = await this.gate.tryOpen(caller, nhsNumber, action);
    if (!patient) throw resourceNotFound();
    const entry = await this.records.entry(patient, id).catch(async () => {
      await patient.audit(0);
      throw resourceNotFound();
    });
    if (!isMappedEntryType(entry.type)) {
      await patient.audit(0);
      throw resourceNotFound();
    }
    return { patient, entry: asSource(patient.nhsNumber, entry) };
  }

  /** The patient's current entries this caller is shown (held results as placeholders). */
  private async shownEntries(patient: OpenedPatient): Promise<FhirSourceEntry[]> {
    const entries = await this.records.entries(patient.nhsNumber);
    const shown = entries.filter(
      (entry) => isMappedEntryType(entry.type) && disclosureTo(patient, entry) === 'shown',
    );
    const released = await this.records.releasedFor(
      patient.viewer,
      patient.nhsNumber,
      shown,
      new Date(),
    );
    return released.map((entry) => asSource(patient.nhsNumber, entry));
  }

  private pageOf(
    entries: readonly FhirSourceEntry[],
    search: FhirSearch,
  ): { page: FhirSourceEntry[]; next: string | null } {
    const matching = entries.filter(
      (entry) => entryMatches(entry, search) && isAfter(entry, search.after),
    );
    const page = matching.slice(0, search.count);
    const last = page.at(-1);
    return { page, next: matching.length > search.count && last ? searchCursor(last) : null };
  }
}
