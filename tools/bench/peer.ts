import type { GeneratedEvent } from './generator';
import { closedLoop, sequential, timed, type ClosedLoopResult } from './http-load';
import type { LatencySummary } from './stats';

/**
 * The side-by-side with a FHIR server (`npm run bench -- --peer <FHIR base URL>`): the same
 * clinical content posted to it and to carelog with the same number of clients, and the same
 * 10,000-entry patient read from both. A test result becomes an Observation as a FHIR server
 * would hold it (code, value and unit, interpretation, reference range, note); any other entry
 * becomes an Observation coded with its entry type, its payload as the note, so that the
 * patient has the same number of resources of about the same size.
 */
export interface PeerResults {
  baseUrl: string;
  clients: number;
  seconds: number;
  ingest: { peer: ClosedLoopResult; carelog: ClosedLoopResult };
  reads: {
    entries: number;
    pageSize: number;
    peerFirstPage: LatencySummary;
    carelogFirstPage: LatencySummary;
    peerWalk: LatencySummary;
    peerWalkPages: number;
    carelogWalk: LatencySummary;
    carelogWalkPages: number;
  };
}

const FHIR_JSON = 'application/fhir+json';
const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const INTERPRETATION: Record<string, string> = { normal: 'N', abnormal: 'A', critical: 'AA' };

/** An entry as a FHIR Observation of `patientId`. */
export function observationOf(
  { event }: GeneratedEvent,
  patientId: string,
): Record<string, unknown> {
  const payload = event.payload;
  const common = {
    resourceType: 'Observation',
    status: 'final',
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: event.occurredAt.toISOString(),
    issued: event.recordedAt.toISOString(),
    performer: [{ display: event.source.organisation }],
  };
  if (event.type !== 'TestResultRecorded')
    return {
      ...common,
      code: { text: event.type },
      note: [{ text: JSON.stringify(payload) }],
    };
  const test = payload['test'] as { system: string; code: string; display: string };
  const value = Number(payload['value']);
  const interpretation = INTERPRETATION[String(payload['interpretation'])];
  return {
    ...common,
    code: { coding: [{ system: test.system, code: test.code, display: test.display }] },
    ...(Number.isFinite(value)
      ? { valueQuantity: { value, unit: payload['unit'] } }
      : { valueString: String(payload['value']) }),
    ...(interpretation
      ? {
          interpretation: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
                  code: interpretation,
                },
              ],
            },
          ],
        }
      : {}),
    ...(payload['referenceRange'] ? { referenceRange: [{ text: payload['referenceRange'] }] } : {}),
    ...(payload['narrative'] ? { note: [{ text: payload['narrative'] }] } : {}),
  };
}

async function fhir(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const answer = await timed({
    url: path.startsWith('http') ? path : `${baseUrl}${path}`,
    method,
    headers: { Accept: FHIR_JSON, ...(body ? { 'Content-Type': FHIR_JSON } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (answer.status >= 300)
    throw new Error(
      `the FHIR server answered ${answer.status} to ${method} ${path}: ${answer.text.slice(0, 300)}`,
    );
  return JSON.parse(answer.text) as Record<string, unknown>;
}

/** Creates a Patient with this NHS number on the FHIR server; answers its id. */
async function createPatient(baseUrl: string, nhsNumber: string): Promise<string> {
  const created = await fhir(baseUrl, 'POST', '/Patient', {
    resourceType: 'Patient',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
  });
  return String(created['id']);
}

/**
 * The entries of a batch-response that did not create their resource. A batch is answered
 * 200 as a whole even when some of its entries fail, each entry carrying its own status
 * ("201 Created"); an answer with fewer entries than were sent counts the missing ones too.
 */
export function failedBatchEntries(answer: Record<string, unknown>, sent: number): string[] {
  const entries = (answer['entry'] as Array<{ response?: { status?: string } }> | undefined) ?? [];
  const failed = entries
    .map((entry) => String(entry.response?.status ?? 'no status'))
    .filter((status) => !status.startsWith('201'));
  for (let missing = entries.length; missing < sent; missing++) failed.push('no entry');
  return failed;
}

/** The `next` link of a FHIR search page, if any. */
const nextLink = (bundle: Record<string, unknown>): string | undefined =>
  (bundle['link'] as Array<{ relation: string; url: string }> | undefined)?.find(
    (link) => link.relation === 'next',
  )?.url;

export interface PeerOptions {
  baseUrl: string;
  clients: number;
  seconds: number;
  reads: number;
  walks: number;
  pageSize: number;
  /** Test results to post (the same content goes to both). */
  results: readonly GeneratedEvent[];
  /** carelog's request for one posted entry (gp-records, with its source system's token). */
  carelogRequest: (generated: GeneratedEvent, n: number) => Parameters<typeof timed>[0];
  /** The heavy patient's entries (as pre-filled into carelog) and how to read them from carelog. */
  heavy: readonly GeneratedEvent[];
  carelogRead: (path: string) => Promise<{ ms: number; text: string }>;
  say: (line: string) => void;
}

export async function comparePeer(options: PeerOptions): Promise<PeerResults> {
  const { baseUrl, say } = options;
  await fhir(baseUrl, 'GET', '/metadata');
  // Each posting patient exists on the FHIR server first, as they do in carelog.
  const patientIds = new Map<string, string>();
  for (const { event } of options.results)
    if (!patientIds.has(event.patient.nhsNumber) && patientIds.size < 200)
      patientIds.set(
        event.patient.nhsNumber,
        await createPatient(baseUrl, event.patient.nhsNumber),
      );
  const postable = options.results.filter(({ event }) => patientIds.has(event.patient.nhsNumber));
  let peerSent = 0;
  const peerIngest = await closedLoop(
    () => {
      const generated = postable[peerSent++ % postable.length] as GeneratedEvent;
      return {
        url: `${baseUrl}/Observation`,
        method: 'POST',
        headers: { 'Content-Type': FHIR_JSON, Accept: FHIR_JSON },
        body: JSON.stringify(
          observationOf(generated, patientIds.get(generated.event.patient.nhsNumber) ?? ''),
        ),
      };
    },
    201,
    options.clients,
    options.seconds,
  );
  say(
    `peer ingest: ${Math.round(peerIngest.perSecond)} resources/s, p50 ${peerIngest.latency.p50.toFixed(1)} ms, p99 ${peerIngest.latency.p99.toFixed(1)} ms`,
  );
  let carelogSent = 0;
  const carelogIngest = await closedLoop(
    () => {
      const generated = postable[carelogSent % postable.length] as GeneratedEvent;
      return options.carelogRequest(generated, carelogSent++);
    },
    202,
    options.clients,
    options.seconds,
  );
  say(
    `carelog ingest: ${Math.round(carelogIngest.perSecond)} entries/s, p50 ${carelogIngest.latency.p50.toFixed(1)} ms, p99 ${carelogIngest.latency.p99.toFixed(1)} ms`,
  );

  // The heavy patient on the FHIR server: its entries as Observations, in batch bundles.
  const heavyId = await createPatient(baseUrl, options.heavy[0]?.event.patient.nhsNumber ?? '');
  for (let i = 0; i < options.heavy.length; i += 500) {
    const batch = options.heavy.slice(i, i + 500);
    const answer = await fhir(baseUrl, 'POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: batch.map((generated) => ({
        resource: observationOf(generated, heavyId),
        request: { method: 'POST', url: 'Observation' },
      })),
    });
    const failed = failedBatchEntries(answer, batch.length);
    if (failed.length > 0)
      throw new Error(
        `the FHIR server created ${batch.length - failed.length} of a batch of ${batch.length} (first failure: ${failed[0]})`,
      );
  }
  say(`peer: the heavy patient holds ${options.heavy.length} Observations`);
  const everything = `/Patient/${heavyId}/$everything?_count=${options.pageSize}`;
  const peerFirstPage = await sequential(
    async () => {
      const answer = await timed({
        url: `${baseUrl}${everything}`,
        method: 'GET',
        headers: { Accept: FHIR_JSON },
      });
      if (answer.status !== 200)
        throw new Error(`the FHIR server answered ${answer.status} to $everything`);
      return answer.ms;
    },
    options.reads,
    5,
  );
  const carelogFirstPage = await sequential(
    async () => (await options.carelogRead(`/record?limit=${options.pageSize}`)).ms,
    options.reads,
    5,
  );
  let peerWalkPages = 0;
  const peerWalk = await sequential(
    async () => {
      let ms = 0;
      let next: string | undefined = `${baseUrl}${everything}`;
      peerWalkPages = 0;
      while (next) {
        const answer = await timed({ url: next, method: 'GET', headers: { Accept: FHIR_JSON } });
        if (answer.status !== 200)
          throw new Error(`the FHIR server answered ${answer.status} to a page`);
        ms += answer.ms;
        peerWalkPages++;
        next = nextLink(JSON.parse(answer.text) as Record<string, unknown>);
      }
      return ms;
    },
    options.walks,
    0,
  );
  let carelogWalkPages = 0;
  const carelogWalk = await sequential(
    async () => {
      let ms = 0;
      let cursor: string | null = null;
      carelogWalkPages = 0;
      do {
        const answer = await options.carelogRead(
          `/record?limit=${options.pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        ms += answer.ms;
        carelogWalkPages++;
        cursor = (JSON.parse(answer.text) as { nextCursor: string | null }).nextCursor;
      } while (cursor);
      return ms;
    },
    options.walks,
    0,
  );
  return {
    baseUrl,
    clients: options.clients,
    seconds: options.seconds,
    ingest: { peer: peerIngest, carelog: carelogIngest },
    reads: {
      entries: options.heavy.length,
      pageSize: options.pageSize,
      peerFirstPage,
      carelogFirstPage,
      peerWalk,
      peerWalkPages,
      carelogWalk,
      carelogWalkPages,
    },
  };
}
