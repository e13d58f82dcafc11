import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateEvents, heavyPatientNhsNumber, type GeneratedEvent } from './generator';
import { comparePeer, failedBatchEntries, observationOf } from './peer';

/**
 * A FHIR R4 server in miniature, as much of one as the side-by-side uses: the capability
 * statement, creating Patients and Observations (one at a time and in batch bundles), and
 * `$everything` page by page with `next` links. It stands in for HAPI, which is not on this
 * machine; its `POST /v1/entries` stands in for carelog's producer (carelog's own reads are
 * measured by the bench against the real record API).
 */
function miniFhir({ refuseBatchEntry }: { refuseBatchEntry?: number } = {}) {
  const patients = new Set<string>();
  const observations = new Map<string, Array<Record<string, unknown>>>();
  const accepted: unknown[] = [];
  let nextId = 1;
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'Content-Type': 'application/fhir+json' });
    response.end(JSON.stringify(body));
  };
  const keep = (resource: Record<string, unknown>): string => {
    const id = String(nextId++);
    if (resource['resourceType'] === 'Patient') patients.add(id);
    else {
      const subject = String((resource['subject'] as { reference: string }).reference).slice(8);
      if (!patients.has(subject)) throw new Error(`no Patient/${subject}`);
      observations.set(subject, [...(observations.get(subject) ?? []), { ...resource, id }]);
    }
    return id;
  };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fhir');
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    // carelog's ingest route, answered as gp-records answers an accepted entry.
    if (request.method === 'POST' && url.pathname === '/v1/entries') {
      accepted.push(body);
      return json(response, 202, {});
    }
    if (request.method === 'GET' && url.pathname === '/fhir/metadata')
      return json(response, 200, { resourceType: 'CapabilityStatement' });
    if (request.method === 'POST' && /^\/fhir\/(Patient|Observation)$/.test(url.pathname))
      return json(response, 201, { ...body, id: keep(body) });
    if (request.method === 'POST' && url.pathname === '/fhir') {
      // As a FHIR server answers a batch: 200 as a whole, each entry with its own status.
      const entries = body['entry'] as Array<{ resource: Record<string, unknown> }>;
      return json(response, 200, {
        resourceType: 'Bundle',
        type: 'batch-response',
        entry: entries.map((entry, n) =>
          n === refuseBatchEntry
            ? { response: { status: '400 Bad Request' } }
            : {
                response: {
                  status: '201 Created',
                  location: `Observation/${keep(entry.resource)}`,
                },
              },
        ),
      });
    }
    const everything = /^\/fhir\/Patient\/(\w+)\/\$everything$/.exec(url.pathname);
    if (request.method === 'GET' && everything) {
      const all = observations.get(everything[1] ?? '') ?? [];
      const count = Number(url.searchParams.get('_count') ?? 50);
      const offset = Number(url.searchParams.get('_offset') ?? 0);
      const next = offset + count < all.length;
      return json(response, 200, {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: all.slice(offset, offset + count).map((resource) => ({ resource })),
        link: next
          ? [
              {
                relation: 'next',
                url: `${base}${url.pathname}?_count=${count}&_offset=${offset + count}`,
              },
            ]
          : [],
      });
    }
    return json(response, 404, { resourceType: 'OperationOutcome' });
  };
  let base = '';
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      json(response, 400, { resourceType: 'OperationOutcome', issue: [String(error)] }),
    );
  });
  return {
    observations,
    accepted,
    start: async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return `${base}/fhir`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the side-by-side with a FHIR server (--peer)', () => {
  const events = [...generateEvents({ seed: 7, totalEvents: 3000, heavyPatientEntries: 1200 })];
  const heavy = events.filter(
    ({ event }) => event.patient.nhsNumber === heavyPatientNhsNumber() && !event.supersedes,
  );
  const results = events.filter(({ event }) => event.type === 'TestResultRecorded');

  it('maps a test result to an Observation with its code, value, unit and subject', () => {
    const result = results[0] as GeneratedEvent;
    const observation = observationOf(result, '42');
    expect(observation).toMatchObject({
      resourceType: 'Observation',
      status: 'final',
      subject: { reference: 'Patient/42' },
      effectiveDateTime: result.event.occurredAt.toISOString(),
    });
    const test = result.event.payload['test'] as { code: string };
    expect(observation['code']).toMatchObject({ coding: [{ code: test.code }] });
  });

  it('answers the entries of a batch-response that did not create their resource', () => {
    const answer = {
      entry: [
        { response: { status: '201 Created' } },
        { response: { status: '422 Unprocessable Entity' } },
        {},
      ],
    };
    expect(failedBatchEntries(answer, 4)).toEqual([
      '422 Unprocessable Entity',
      'no status',
      'no entry',
    ]);
    expect(failedBatchEntries({ entry: [{ response: { status: '201 Created' } }] }, 1)).toEqual([]);
  });

  it('fails when the FHIR server refuses an entry of a batch, though it answers the batch 200', async () => {
    const fhir = miniFhir({ refuseBatchEntry: 3 });
    const baseUrl = await fhir.start();
    try {
      await expect(
        comparePeer({
          baseUrl,
          clients: 1,
          seconds: 0.2,
          reads: 1,
          walks: 1,
          pageSize: 50,
          results,
          carelogRequest: () => ({
            url: `${baseUrl.replace(/\/fhir$/, '')}/v1/entries`,
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{}',
          }),
          heavy,
          carelogRead: () => Promise.resolve({ ms: 1, text: '{"nextCursor":null}' }),
          say: () => undefined,
        }),
      ).rejects.toThrow(/created 499 of a batch of 500 \(first failure: 400 Bad Request\)/);
    } finally {
      await fhir.stop();
    }
  }, 60_000);

  it('posts to both with the same clients, loads the heavy patient and walks it page by page from both', async () => {
    const fhir = miniFhir();
    const baseUrl = await fhir.start();
    try {
      const pages = Math.ceil(heavy.length / 50);
      const peer = await comparePeer({
        baseUrl,
        clients: 2,
        seconds: 1,
        reads: 3,
        walks: 1,
        pageSize: 50,
        results,
        carelogRequest: ({ event }, n) => ({
          url: `${baseUrl.replace(/\/fhir$/, '')}/v1/entries`,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `peer-${n}` },
          body: JSON.stringify({ patient: event.patient, type: event.type }),
        }),
        heavy,
        carelogRead: (path) => {
          const page = Number(/cursor=(\d+)/.exec(path)?.[1] ?? 0);
          const text = JSON.stringify({
            entries: heavy.slice(page * 50, page * 50 + 50),
            nextCursor: page + 1 < pages ? String(page + 1) : null,
          });
          return Promise.resolve({ ms: 1, text });
        },
        say: () => undefined,
      });
      const heavyOnServer = [...fhir.observations.values()].find(
        (list) => list.length === heavy.length,
      );
      expect(heavyOnServer).toHaveLength(heavy.length);
      expect(peer.ingest.peer.requests).toBeGreaterThan(0);
      expect(peer.ingest.peer.failed).toBe(0);
      expect(peer.ingest.carelog.failed).toBe(0);
      expect(fhir.accepted.length).toBe(peer.ingest.carelog.requests);
      expect(fhir.accepted[0]).toMatchObject({ type: 'TestResultRecorded' });
      expect(peer.reads.entries).toBe(heavy.length);
      expect(peer.reads.peerWalkPages).toBe(pages);
      expect(peer.reads.carelogWalkPages).toBe(pages);
      expect(peer.reads.peerFirstPage.count).toBe(3);
    } finally {
      await fhir.stop();
    }
  }, 60_000);
});
