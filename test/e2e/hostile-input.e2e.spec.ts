import { randomUUID } from 'node:crypto';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { loadEventCodec, readExample, schemasDir, type EntryExample } from '@carelog/codec';
import {
  entryTypeRule,
  entryTypesOf,
  isUuid,
  PAYLOAD_VOCABULARIES,
  type SourceDomain,
} from '@carelog/domain';
import {
  createKafka,
  ensureTopics,
  LOG_LINE_KEYS,
  platformTopics,
  recordEntryTopic,
  recordEntryTopics,
} from '@carelog/kafka';
import { startService, waitForReady, serviceLog, type RunningService } from '@carelog/local-infra';
import fc from 'fast-check';
import {
  eventually,
  exampleEvent,
  readPartition,
  testNhsNumber,
  uniqueName,
} from '@carelog/testing';

/**
 * The hostile corpus (issue 13): every case of the issue's "Why" and thousands of generated
 * ones, over HTTP against the services as processes on real Kafka and Postgres. Every refusal
 * must be a 4xx problem+json with a stable code, no answer may be a 5xx, and nothing refused
 * may reach a record-entry topic (their end offsets must not move).
 */

type Service =
  | 'gp-records'
  | 'social-care'
  | 'maternity'
  | 'urgent-care'
  | 'community-nursing'
  | 'pharmacy'
  | 'record-api'
  | 'notifications';

interface HostileCase {
  name: string;
  service: Service;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  token: string | null;
  headers?: Record<string, string>;
  /** JSON-encoded unless already a string or bytes. */
  body?: unknown;
  /** The field the refusal must name, where the case is about one field. */
  field?: string;
}

interface Answer {
  status: number;
  contentType: string;
  body: { code?: unknown; status?: unknown; field?: unknown } | undefined;
}

const DOMAIN_SERVICES: Array<[SourceDomain, Service, number]> = [
  ['gp', 'gp-records', 4701],
  ['social-care', 'social-care', 4702],
  ['maternity', 'maternity', 4703],
  ['urgent-care', 'urgent-care', 4704],
  ['community-nursing', 'community-nursing', 4706],
  ['pharmacy', 'pharmacy', 4707],
];
const ORGANISATION = 'A81001';
const PATIENT = testNhsNumber(731_337);
const STABLE_CODE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** 36 characters of hex digits and hyphens that are not a UUID (they used to reach Postgres). */
const notQuiteUuid = fc
  .array(fc.constantFrom(...'0123456789abcdef-'.split('')), { minLength: 36, maxLength: 36 })
  .map((chars) => chars.join(''))
  .filter((candidate): boolean => !isUuid(candidate));

/** Characters no string may hold (free text allows only newline and tab besides the printable). */
const FORBIDDEN_CHARACTERS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\u0008',
  '\u000b',
  '\u000c',
  '\u000e',
  '\u001b',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u202e',
  '\u2066',
  '\ud800',
  '\udfff',
  '\uffff',
];

const BAD_DATE_TIMES = [
  '2026-02-30T10:00:00Z',
  '01/02/2026',
  '1',
  'Dec 1',
  '0000-01-01T00:00:00Z',
  '1899-12-31T23:59:59Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T10:00:60Z',
  '2026-01-01T10:00:00',
  '2026-01-01 10:00:00Z',
  '2026-01-01',
  '+275760-09-13T00:00:00Z',
  '2026-01-01T10:00:00+25:00',
  'garbage',
  '',
];
const BAD_FULL_DATES = [
  '2026-02-30',
  '2025-02-29',
  '01/02/2026',
  '1',
  'Dec 1',
  'garbage',
  '0000-01-01',
  '1899-12-31',
  '9999-12-31',
  '2026-1-1',
  '2026-01-01T00:00:00Z',
  '',
];
const BAD_NHS_NUMBERS = [
  ...'0123456789'.split('').map((digit) => digit.repeat(10)),
  '123',
  'abc',
  '9434765918',
  '943 476 5919',
  '94347659190',
  '9434765919\u0000',
];
const WRONG_TYPES: unknown[] = [42, -1.5, true, [], {}, ['a'], { a: 1 }];

/** Every leaf of a JSON value with its path, e.g. ['test', 'code'] -> 'HbA1c'. */
function leaves(value: unknown, path: string[] = []): Array<[string[], unknown]> {
  if (Array.isArray(value))
    return value.flatMap((item, index) => leaves(item, [...path, String(index)]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, key]));
  return [[path, value]];
}

function withLeaf(value: unknown, path: string[], replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[Number(head)] = withLeaf(copy[Number(head)], rest, replacement);
    return copy;
  }
  const record = value as Record<string, unknown>;
  return { ...record, [head]: withLeaf(record[head], rest, replacement) };
}

const fieldName = (path: string[]): string =>
  path.reduce(
    (name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part),
    '',
  );

const isDateTime = (value: unknown): boolean =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value);
const isFullDate = (value: unknown): boolean =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);

/** One hostile change to a valid entry body, always one that no rule may accept. */
function hostileBody(
  example: EntryExample,
): fc.Arbitrary<{ body: unknown; field?: string; change: string }> {
  const payloadLeaves = leaves(example.payload).filter(([, value]) => value !== null);
  const strings = payloadLeaves.filter(([, value]) => typeof value === 'string');
  const nonStrings = payloadLeaves.filter(([, value]) => typeof value !== 'string');
  const dateTimes = payloadLeaves.filter(([, value]) => isDateTime(value));
  const fullDates = payloadLeaves.filter(([, value]) => isFullDate(value));
  const nhsFields = Object.keys(example.payload).filter((key) => /nhsnumber$/i.test(key));
  const vocabularyFields = Object.keys(example.payload).filter(
    (key) => PAYLOAD_VOCABULARIES[`${example.type}.${key}`] !== undefined,
  );
  const inPayload = (path: string[], replacement: unknown, change: string) => ({
    body: { ...example, payload: withLeaf(example.payload, path, replacement) },
    field: fieldName(['payload', ...path]),
    change,
  });
  const options: Array<fc.Arbitrary<{ body: unknown; field?: string; change: string }>> = [
    fc.constantFrom(...BAD_DATE_TIMES).map((occurredAt) => ({
      body: { ...example, occurredAt },
      field: 'occurredAt',
      change: `occurredAt ${JSON.stringify(occurredAt)}`,
    })),
    fc.constantFrom(...BAD_NHS_NUMBERS).map((nhsNumber) => ({
      body: { ...example, patient: { nhsNumber } },
      field: 'patient.nhsNumber',
      change: `patient NHS number ${JSON.stringify(nhsNumber)}`,
    })),
    fc
      .constantFrom('__proto__', 'constructor', 'toString', 'unexpected', 'payload')
      .map((extra) => ({
        body: {
          ...example,
          payload: JSON.parse(
            `{${JSON.stringify(extra)}:1,${JSON.stringify(example.payload).slice(1)}`,
          ) as unknown,
        },
        change: `undeclared payload field ${extra}`,
      })),
    fc
      .record({
        reason: fc.constantFrom(...FORBIDDEN_CHARACTERS).map((c) => `see me ${c}`),
        role: fc.constant('gp'),
      })
      .map((attention) => ({
        body: { ...example, attention: { ...attention, organisation: ORGANISATION } },
        field: 'attention.reason',
        change: 'control character in attention.reason',
      })),
    fc
      .constantFrom<unknown>('secret', ['nope'], 'safeguarding', [1], [null])
      .map((sensitivity) => ({
        body: {
          ...example,
          sensitivity: sensitivity === 'safeguarding' ? 'safeguarding' : sensitivity,
        },
        change: `sensitivity ${JSON.stringify(sensitivity)}`,
      })),
  ];
  if (strings.length > 0) {
    const leaf = fc.constantFrom(...strings);
    options.push(
      fc
        .tuple(leaf, fc.constantFrom(...FORBIDDEN_CHARACTERS), fc.nat())
        .map(([[path, value], character, at]) => {
          const text = String(value);
          const position = text.length === 0 ? 0 : at % text.length;
          return inPayload(
            path,
            `${text.slice(0, position)}${character}${text.slice(position)}`,
            `U+${character.charCodeAt(0).toString(16)} in ${fieldName(path)}`,
          );
        }),
      fc
        .tuple(leaf, fc.constantFrom('a', 'é', '😀'))
        .map(([[path], unit]) =>
          inPayload(path, unit.repeat(20_001), `over-long ${fieldName(path)}`),
        ),
      fc
        .tuple(leaf, fc.constantFrom(...WRONG_TYPES))
        .map(([[path], wrong]) =>
          inPayload(path, wrong, `${JSON.stringify(wrong)} for text ${fieldName(path)}`),
        ),
    );
  }
  if (nonStrings.length > 0)
    options.push(
      fc
        .tuple(
          fc.constantFrom(...nonStrings),
          // Wrong for every number and boolean field (1.5 would be a valid double).
          fc.constantFrom<unknown>('12', 'true', [], {}, 'NaN'),
        )
        .map(([[path], wrong]) =>
          inPayload(path, wrong, `${JSON.stringify(wrong)} for ${fieldName(path)}`),
        ),
    );
  if (dateTimes.length > 0)
    options.push(
      fc
        .tuple(fc.constantFrom(...dateTimes), fc.constantFrom(...BAD_DATE_TIMES))
        .map(([[path], bad]) =>
          inPayload(path, bad, `date-time ${JSON.stringify(bad)} in ${fieldName(path)}`),
        ),
    );
  if (fullDates.length > 0)
    options.push(
      fc
        .tuple(fc.constantFrom(...fullDates), fc.constantFrom(...BAD_FULL_DATES))
        .map(([[path], bad]) =>
          inPayload(path, bad, `date ${JSON.stringify(bad)} in ${fieldName(path)}`),
        ),
    );
  if (nhsFields.length > 0)
    options.push(
      fc
        .tuple(fc.constantFrom(...nhsFields), fc.constantFrom(...BAD_NHS_NUMBERS))
        .map(([key, bad]) => inPayload([key], bad, `${key} ${JSON.stringify(bad)}`)),
    );
  if (vocabularyFields.length > 0)
    options.push(
      fc
        .tuple(
          fc.constantFrom(...vocabularyFields),
          fc.constantFrom('abnormalish', 'H', 'not listed', 'Abnormal\u0000', '', 'ab normal'),
        )
        .map(([key, bad]) => inPayload([key], bad, `term ${JSON.stringify(bad)} in ${key}`)),
    );
  return fc.oneof(...options);
}

describe('hostile input over HTTP: refused as problem+json, never a 5xx, nothing recorded', () => {
  const codec = loadEventCodec();
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('hostile'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_hostile'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-hostile'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_hostile'),
    CARELOG_NOTIFICATIONS_SCHEMA: uniqueName('notifications_hostile'),
    CARELOG_NOTIFICATIONS_GROUP: uniqueName('notifications-hostile'),
  };
  const log = serviceLog('hostile-input.e2e');
  /** Every line the services wrote, as `[service] line`. */
  const output: string[] = [];
  const saved = { ...process.env };
  const running = new Map<Service, RunningService>();
  const started: RunningService[] = [];
  const kafka = createKafka('hostile-input-test');
  let gpToken = '';
  let systemToken = '';
  let patientToken = '';
  const authorTokens = new Map<string, string>();
  let flaggedEventId = '';

  async function endOffsets(): Promise<Record<string, string>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const result: Record<string, string> = {};
      for (const topic of recordEntryTopics())
        for (const { partition, high } of await admin.fetchTopicOffsets(topic))
          result[`${topic}/${partition}`] = high;
      return result;
    } finally {
      await admin.disconnect();
    }
  }

  async function send(hostile: HostileCase): Promise<Answer> {
    const service = running.get(hostile.service);
    if (!service) throw new Error(`${hostile.service} is not running`);
    const body =
      hostile.body === undefined
        ? undefined
        : typeof hostile.body === 'string' || Buffer.isBuffer(hostile.body)
          ? hostile.body
          : JSON.stringify(hostile.body);
    const response = await fetch(`${service.baseUrl}${hostile.path}`, {
      method: hostile.method,
      signal: AbortSignal.timeout(30_000),
      headers: {
        ...(hostile.token ? { Authorization: `Bearer ${hostile.token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(hostile.method === 'POST' || hostile.method === 'PUT'
          ? { 'Idempotency-Key': randomUUID() }
          : {}),
        ...hostile.headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: Answer['body'];
    try {
      parsed = text ? (JSON.parse(text) as Answer['body']) : undefined;
    } catch {
      parsed = undefined;
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: parsed,
    };
  }

  /** What every refusal must be; returns a description of what is wrong, or null. */
  function judge(hostile: HostileCase, answer: Answer): string | null {
    const problems: string[] = [];
    if (answer.status < 400 || answer.status > 499) problems.push(`status ${answer.status}`);
    if (!answer.contentType.startsWith('application/problem+json'))
      problems.push(`content-type ${answer.contentType}`);
    const code = answer.body?.code;
    if (
      typeof code !== 'string' ||
      !STABLE_CODE.test(code) ||
      /^http-\d+$/.test(code) ||
      code === 'internal-error'
    )
      problems.push(`code ${String(code)}`);
    if (answer.body?.status !== answer.status)
      problems.push(`body status ${String(answer.body?.status)}`);
    if (hostile.field !== undefined && typeof answer.body?.field !== 'string')
      problems.push('no field');
    return problems.length === 0
      ? null
      : `${hostile.name}: ${problems.join(', ')} (${JSON.stringify(answer.body)})`;
  }

  /** Runs cases eight at a time; every answer judged. */
  async function runAll(
    cases: HostileCase[],
  ): Promise<{ failures: string[]; statuses: Map<number, number> }> {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < cases.length) {
          const hostile = cases[next++];
          if (!hostile) break;
          const answer = await send(hostile);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const failure = judge(hostile, answer);
          if (failure) failures.push(failure);
        }
      }),
    );
    return { failures, statuses };
  }

  beforeAll(async () => {
    Object.assign(process.env, env);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics());
    await admin.disconnect();
    // The patient is registered with the practice, and has one entry flagged for the GP.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const registration = exampleEvent('RegistrationStarted', {
      nhsNumber: PATIENT,
      organisation: ORGANISATION,
    });
    const flagged = {
      ...exampleEvent('TestResultRecorded', { nhsNumber: PATIENT, organisation: ORGANISATION }),
      attention: { role: 'gp', organisation: ORGANISATION, reason: 'please review' },
    };
    flaggedEventId = flagged.eventId;
    for (const event of [registration, flagged])
      await producer.send({
        topic: recordEntryTopic('gp'),
        acks: -1,
        messages: [{ key: PATIENT, value: codec.encode(event) }],
      });
    // A booking too, so that the organisation may hand the caseload over to health visiting.
    await producer.send({
      topic: recordEntryTopic('maternity'),
      acks: -1,
      messages: [
        {
          key: PATIENT,
          value: codec.encode(
            exampleEvent('MaternityBookingRecorded', {
              nhsNumber: PATIENT,
              organisation: ORGANISATION,
            }),
          ),
        },
      ],
    });
    await producer.disconnect();

    gpToken = await mintLocalToken({
      role: 'gp',
      organisation: ORGANISATION,
      userId: 'hostile-gp',
    });
    patientToken = await mintLocalToken({
      role: 'patient',
      organisation: 'NHSLOGIN',
      userId: 'hostile-patient',
      nhsNumber: PATIENT,
    });
    // Relationships start only from the organisation's own source system (docs/architecture.md, "Legitimate relationships").
    const authoritative = [...DOMAIN_SERVICES].flatMap(([domain]) =>
      entryTypesOf(domain)
        .filter((rule) => rule.relationship?.provenance?.way === 'authoritative')
        .map((rule) => rule.type),
    );
    systemToken = await mintLocalSystemToken({
      organisation: ORGANISATION,
      entryTypes: authoritative,
    });
    for (const [domain] of DOMAIN_SERVICES)
      for (const rule of entryTypesOf(domain)) {
        const role = rule.authors[0];
        if (role && !authorTokens.has(role))
          authorTokens.set(
            role,
            await mintLocalToken({ role, organisation: ORGANISATION, userId: `hostile-${role}` }),
          );
      }

    const start = (name: Service | 'projection', port: number) => {
      const service = startService({
        name,
        port,
        env,
        onOutput: (line) => {
          log(line);
          output.push(line);
        },
      });
      started.push(service);
      if (name !== 'projection') running.set(name, service);
      return service;
    };
    const projection = start('projection', 4710);
    await waitForReady(projection);
    const services = [
      start('record-api', 4700),
      start('notifications', 4705),
      ...DOMAIN_SERVICES.map(([, name, port]) => start(name, port)),
    ];
    await Promise.all(services.map((service) => waitForReady(service, 180_000)));
    await eventually(
      async () => {
        const answer = await send({
          name: 'seeded',
          service: 'record-api',
          method: 'GET',
          path: `/v1/tasks/${flaggedEventId}`,
          token: gpToken,
        });
        expect(answer.status).toBe(200);
      },
      { timeoutMs: 60_000 },
    );
  }, 420_000);

  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: recordEntryTopics() }).catch(() => undefined);
    await admin.disconnect();
    process.env = saved;
  });

  /** Every case of the issue's "Why" that is about input, named as the issue names it. */
  function issueCases(): HostileCase[] {
    const gpExample = (type: string): EntryExample => {
      const current = codec.catalogue.current(type);
      const example = current && readExample(schemasDir, current);
      if (!example) throw new Error(`no example for ${type}`);
      return { ...example, patient: { nhsNumber: PATIENT } };
    };
    const consultation = gpExample('ConsultationRecorded');
    const result = gpExample('TestResultRecorded');
    const booking = gpExample('MaternityBookingRecorded');
    const birth = gpExample('BirthRecorded');
    const transfer = gpExample('CaseloadTransferredToHealthVisiting');
    const carePlan = gpExample('CarePlanChanged');
    const post = (
      service: Service,
      body: unknown,
      name: string,
      field?: string,
      headers?: Record<string, string>,
    ): HostileCase => ({
      name,
      service,
      method: 'POST',
      path: '/v1/entries',
      token:
        authorTokens.get(
          entryTypeRule((body as { type?: string }).type ?? '')?.authors[0] ?? 'gp',
        ) ?? gpToken,
      body,
      ...(field ? { field } : {}),
      ...(headers ? { headers } : {}),
    });
    const uuidLike = '0000000-00000-0000-0000-0000000000000';
    const cases: HostileCase[] = [
      post(
        'gp-records',
        { ...consultation, payload: { ...consultation.payload, narrative: 'a\u0000b' } },
        'NUL in a narrative',
        'payload.narrative',
      ),
      post(
        'gp-records',
        {
          ...result,
          payload: {
            ...result.payload,
            test: { ...(result.payload['test'] as object), code: '123\u0000' },
          },
        },
        'NUL in a code',
        'payload.test.code',
      ),
      post(
        'gp-records',
        { ...consultation, occurredAt: '0000-06-01T00:00:00Z' },
        'occurredAt in year 0',
        'occurredAt',
      ),
      post(
        'gp-records',
        { ...consultation, occurredAt: '2026-02-30T10:00:00Z' },
        'occurredAt 2026-02-30',
        'occurredAt',
      ),
      post(
        'gp-records',
        { ...consultation, occurredAt: '01/02/2026' },
        'occurredAt 01/02/2026',
        'occurredAt',
      ),
      post('gp-records', { ...consultation, occurredAt: '1' }, 'occurredAt "1"', 'occurredAt'),
      post(
        'gp-records',
        { ...consultation, occurredAt: 'Dec 1' },
        'occurredAt "Dec 1"',
        'occurredAt',
      ),
      post(
        'maternity',
        { ...booking, payload: { ...booking.payload, estimatedDueDate: 'garbage' } },
        'estimatedDueDate garbage',
        'payload.estimatedDueDate',
      ),
      post(
        'maternity',
        { ...booking, payload: { ...booking.payload, estimatedDueDate: '2026-02-30' } },
        'estimatedDueDate 2026-02-30',
        'payload.estimatedDueDate',
      ),
      post(
        'social-care',
        { ...carePlan, payload: { ...carePlan.payload, effectiveFrom: 'garbage' } },
        'effectiveFrom garbage',
        'payload.effectiveFrom',
      ),
      post(
        'gp-records',
        { ...result, payload: { ...result.payload, interpretation: 'Abnormalish' } },
        'interpretation outside the vocabulary',
        'payload.interpretation',
      ),
      ...['0000000000', '1111111111', '9999999999'].map((nhsNumber) =>
        post(
          'gp-records',
          { ...consultation, patient: { nhsNumber } },
          `NHS number ${nhsNumber}`,
          'patient.nhsNumber',
        ),
      ),
      post(
        'maternity',
        { ...birth, payload: { ...birth.payload, babyNhsNumber: '123' } },
        'babyNhsNumber "123"',
        'payload.babyNhsNumber',
      ),
      post(
        'maternity',
        { ...birth, payload: { ...birth.payload, babyNhsNumber: '1111111111' } },
        'babyNhsNumber 1111111111',
        'payload.babyNhsNumber',
      ),
      post(
        'maternity',
        { ...transfer, payload: { ...transfer.payload, childNhsNumber: 'abc' } },
        'childNhsNumber "abc"',
        'payload.childNhsNumber',
      ),
      {
        name: 'non-UUID entries/{id}',
        service: 'record-api',
        method: 'GET',
        path: `/v1/patients/${PATIENT}/entries/${uuidLike}`,
        token: gpToken,
      },
      {
        name: 'non-UUID …/history',
        service: 'record-api',
        method: 'GET',
        path: `/v1/patients/${PATIENT}/entries/${uuidLike}/history`,
        token: gpToken,
      },
      {
        name: 'non-UUID GET /v1/tasks/{id}',
        service: 'record-api',
        method: 'GET',
        path: `/v1/tasks/${uuidLike}`,
        token: gpToken,
      },
      {
        name: 'non-UUID acknowledge',
        service: 'record-api',
        method: 'POST',
        path: `/v1/tasks/${uuidLike}/acknowledge`,
        token: gpToken,
        body: {},
      },
      {
        name: 'non-UUID correction',
        service: 'gp-records',
        method: 'POST',
        path: `/v1/entries/${uuidLike}/corrections`,
        token: gpToken,
        body: { kind: 'entered-in-error', reason: 'wrong patient' },
      },
      {
        name: 'non-UUID DELETE subscription',
        service: 'notifications',
        method: 'DELETE',
        path: `/v1/subscriptions/${uuidLike}`,
        token: gpToken,
      },
      post(
        'gp-records',
        `{"ignored":${'['.repeat(100_000)}${']'.repeat(100_000)},"type":"ConsultationRecorded"}`,
        'JSON nested 100,000 deep in an ignored field',
      ),
      post('gp-records', consultation, 'charset=latin1', 'body', {
        'Content-Type': 'application/json; charset=latin1',
      }),
      post('gp-records', consultation, 'Content-Encoding: gzip on a plain body', 'body', {
        'Content-Encoding': 'gzip',
      }),
      post('gp-records', consultation, 'Content-Encoding: br on a plain body', 'body', {
        'Content-Encoding': 'br',
      }),
      {
        name: 'journal?expand=a&expand=b',
        service: 'record-api',
        method: 'GET',
        path: `/v1/patients/${PATIENT}/journal?expand=a&expand=b`,
        token: gpToken,
        field: 'expand',
      },
      {
        name: 'record?asAt[]=',
        service: 'record-api',
        method: 'GET',
        path: `/v1/patients/${PATIENT}/record?asAt[]=2026-01-01T00:00:00Z`,
        token: gpToken,
        field: 'asAt',
      },
      {
        name: 'record?setting[]=',
        service: 'record-api',
        method: 'GET',
        path: `/v1/patients/${PATIENT}/record?setting[]=gp`,
        token: gpToken,
        field: 'setting',
      },
      {
        name: 'record?type=A&type=B',
        service: 'record-api',
        method: 'GET',
        path: `/v1/patients/${PATIENT}/record?type=ConsultationRecorded&type=TestResultRecorded`,
        token: gpToken,
        field: 'type',
      },
      {
        name: 'NUL in the NHS number path segment',
        service: 'record-api',
        method: 'GET',
        path: `/v1/patients/${PATIENT.slice(0, 5)}%00${PATIENT.slice(5)}/record`,
        token: gpToken,
      },
      {
        name: 'NUL in a break-glass reason',
        service: 'record-api',
        method: 'POST',
        path: `/v1/patients/${testNhsNumber(12_345)}/break-glass`,
        token: gpToken,
        body: { reason: 'unconscious in ED \u0000 no relationship' },
        field: 'reason',
      },
      {
        name: 'headers over 16 KB',
        service: 'record-api',
        method: 'GET',
        path: `/v1/patients/${PATIENT}/record`,
        token: gpToken,
        headers: { 'X-Padding': 'x'.repeat(17_000) },
      },
    ];
    return cases;
  }

  /** Generated: hostile bodies for every entry type of every producer, and hostile request lines. */
  function generatedCases(perType: number): HostileCase[] {
    const cases: HostileCase[] = [];
    let seed = 1;
    for (const [domain, service] of DOMAIN_SERVICES)
      for (const rule of entryTypesOf(domain)) {
        const current = codec.catalogue.current(rule.type);
        const example = current && readExample(schemasDir, current);
        const role = rule.authors[0];
        if (!example || !role) continue;
        const token = authorTokens.get(role) ?? null;
        for (const hostile of fc.sample(
          hostileBody({ ...example, patient: { nhsNumber: PATIENT } }),
          { numRuns: perType, seed: seed++ },
        ))
          cases.push({
            name: `${rule.type}: ${hostile.change}`,
            service,
            method: 'POST',
            path: '/v1/entries',
            token,
            body: hostile.body,
            ...(hostile.field ? { field: hostile.field } : {}),
          });
      }
    // The patient's own contributions go through the record API.
    for (const type of ['PatientNoteAdded', 'HomeReadingRecorded', 'WearableSummaryRecorded']) {
      const current = codec.catalogue.current(type);
      const example = current && readExample(schemasDir, current);
      if (!example) continue;
      for (const hostile of fc.sample(
        hostileBody({ ...example, patient: { nhsNumber: PATIENT } }),
        { numRuns: perType, seed: seed++ },
      )) {
        const body = Object.fromEntries(
          Object.entries(hostile.body as EntryExample).filter(([key]) => key !== 'patient'),
        );
        if (hostile.field === 'patient.nhsNumber') continue; // the path names the patient here
        cases.push({
          name: `contribution ${type}: ${hostile.change}`,
          service: 'record-api',
          method: 'POST',
          path: `/v1/patients/${PATIENT}/contributions`,
          token: patientToken,
          body,
          ...(hostile.field ? { field: hostile.field } : {}),
        });
      }
    }
    const ids = fc.sample(notQuiteUuid, { numRuns: 300, seed: seed++ });
    ids.forEach((id, index) => {
      const routes: Array<[Service, HostileCase['method'], string]> = [
        ['record-api', 'GET', `/v1/patients/${PATIENT}/entries/${id}`],
        ['record-api', 'GET', `/v1/patients/${PATIENT}/entries/${id}/history`],
        ['record-api', 'GET', `/v1/tasks/${id}`],
        ['record-api', 'POST', `/v1/tasks/${id}/acknowledge`],
        ['gp-records', 'POST', `/v1/entries/${id}/corrections`],
        ['notifications', 'DELETE', `/v1/subscriptions/${id}`],
        ['record-api', 'PUT', `/v1/patients/${PATIENT}/consents/seals/${id}`],
      ];
      const [service, method, path] = routes[index % routes.length] ?? routes[0]!;
      cases.push({
        name: `${method} ${path}`,
        service,
        method,
        path,
        token: path.includes('consents') ? patientToken : gpToken,
        ...(method === 'POST' || method === 'PUT'
          ? {
              body: path.includes('corrections')
                ? { kind: 'entered-in-error', reason: 'x' }
                : path.includes('seals')
                  ? { sealed: true, sealedFrom: { kind: 'role', value: 'gp' } }
                  : {},
            }
          : {}),
      });
    });
    const routeParameters: Array<[string, string[]]> = [
      [
        `/v1/patients/${PATIENT}/record`,
        ['asAt', 'setting', 'type', 'from', 'to', 'cursor', 'limit'],
      ],
      [`/v1/patients/${PATIENT}/journal`, ['view', 'expand', 'asAt']],
      ['/v1/tasks', ['status', 'limit', 'cursor']],
    ];
    const badValues: Record<string, string[]> = {
      asAt: ['01/02/2026', 'Dec 1', '1', '2026-02-30', '0000-01-01T00:00:00Z'],
      from: ['01/02/2026', 'Dec 1', '2026-02-30T00:00:00Z', 'garbage'],
      to: ['1', '2026-13-01'],
      setting: ['GP', 'everything', 'gp%00'],
      cursor: [
        'garbage',
        'W10',
        Buffer.from('["2026-01-01T00:00:00.000Z","nope"]').toString('base64url'),
        'a'.repeat(300),
      ],
      limit: ['abc', '-1', '0', '1e2', '201', '1.5'],
      view: ['GP', 'everyone', ''],
      status: ['OPEN', 'closed'],
    };
    const queries = fc.sample(
      fc.tuple(
        fc.constantFrom(...routeParameters),
        fc.nat(),
        fc.constantFrom('brackets', 'repeated', 'nested', 'bad-value', 'control'),
      ),
      { numRuns: 1200, seed: seed++ },
    );
    for (const [[path, parameters], pick, form] of queries) {
      const parameter = parameters[pick % parameters.length] ?? 'asAt';
      const values = badValues[parameter];
      const query =
        form === 'brackets'
          ? `${parameter}[]=x`
          : form === 'repeated'
            ? `${parameter}=a&${parameter}=b`
            : form === 'nested'
              ? `${parameter}[gp]=1`
              : form === 'control' || !values
                ? `${parameter}=a%0${pick % 10}b`
                : `${parameter}=${encodeURIComponent(values[pick % values.length] ?? 'x')}`;
      cases.push({
        name: `GET ${path}?${query}`,
        service: 'record-api',
        method: 'GET',
        path: `${path}?${query}`,
        token: gpToken,
        field: parameter,
      });
    }
    return cases;
  }

  it('refuses every case as a 4xx problem+json with a stable code, answers none with a 5xx, and records nothing', async () => {
    const before = await endOffsets();
    const cases = [...issueCases(), ...generatedCases(110)];
    expect(cases.length).toBeGreaterThanOrEqual(5_000);
    const { failures, statuses } = await runAll(cases);
    // Printed so a run shows what it covered.
    process.stdout.write(
      `hostile corpus: ${cases.length} cases, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
    );
    // One line per kind of failure, so a run names everything that went wrong.
    const kinds = [
      ...new Set(failures.map((failure) => failure.replace(/[0-9a-f-]{36}|"offset":"\d+"/g, '…'))),
    ];
    expect(kinds.slice(0, 40)).toEqual([]);
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(await endOffsets()).toEqual(before);
  }, 600_000);

  it('still records a valid entry of every type (the refusals were about the input), with terms written as listed', async () => {
    const before = await endOffsets();
    let accepted = 0;
    // First, while the practice surely holds its relationship (the entries below that end it
    // may take effect before the loop is over): a term sent padded and in capitals is written
    // as listed.
    const result = codec.catalogue.current('TestResultRecorded');
    const resultExample = result && readExample(schemasDir, result);
    if (!resultExample) throw new Error('no TestResultRecorded example');
    const shouted = await send({
      name: 'ABNORMAL',
      service: 'gp-records',
      method: 'POST',
      path: '/v1/entries',
      token: gpToken,
      body: {
        ...resultExample,
        patient: { nhsNumber: PATIENT },
        payload: { ...resultExample.payload, interpretation: ' ABNORMAL ' },
      },
    });
    expect(shouted.status).toBe(202);
    const position = shouted.body as unknown as {
      topic: string;
      partition: number;
      offset: string;
    };
    const [message] = await readPartition(
      kafka,
      position.topic,
      position.partition,
      position.offset,
    );
    expect(message?.value && codec.decode(message.value).event.payload).toMatchObject({
      interpretation: 'abnormal',
    });
    // Entries that end a relationship go last: after them the practice may no longer write.
    const everyType = [...DOMAIN_SERVICES]
      .flatMap(([domain, service]) => entryTypesOf(domain).map((rule) => ({ service, rule })))
      .sort(
        (a, b) =>
          Number(a.rule.relationship?.effect === 'ends') -
          Number(b.rule.relationship?.effect === 'ends'),
      );
    for (const { service, rule } of everyType) {
      const current = codec.catalogue.current(rule.type);
      const example = current && readExample(schemasDir, current);
      const role = rule.authors[0];
      if (!example || !role) continue;
      // Health visiting entries sit on the child's own record: the one the birth example
      // (recorded earlier in this loop) created, once the projection has linked it.
      const child = rule.childRecord === true;
      const recordOnce = () =>
        send({
          name: rule.type,
          service,
          method: 'POST',
          path: '/v1/entries',
          token:
            rule.relationship?.provenance?.way === 'authoritative'
              ? systemToken
              : (authorTokens.get(role) ?? null),
          body: {
            ...example,
            patient: { nhsNumber: child ? String(example.payload['childNhsNumber']) : PATIENT },
          },
        });
      const answer = await eventually(
        async () => {
          const attempt = await recordOnce();
          if (child) expect(attempt.status).toBe(202);
          return attempt;
        },
        { timeoutMs: child ? 60_000 : 0 },
      );
      expect({ type: rule.type, status: answer.status, body: answer.body }).toMatchObject({
        type: rule.type,
        status: 202,
      });
      accepted++;
    }
    const after = await endOffsets();
    const moved = Object.keys(after).reduce(
      (sum, key) => sum + Number(after[key]) - Number(before[key] ?? 0),
      0,
    );
    expect(moved).toBe(accepted + 1);
  }, 300_000);

  it('wrote every log line in the one shape, and none with an NHS number it was sent', () => {
    // Nest, kafkajs and TypeORM lines alike, from every service started above.
    const services = new Set<string>();
    expect(output.length).toBeGreaterThan(50);
    for (const raw of output) {
      const [, name, text] = /^\[([^\]]+)\] (.*)$/s.exec(raw) ?? [];
      const line = JSON.parse(text ?? raw) as Record<string, unknown>;
      expect(Object.keys(line).slice(0, LOG_LINE_KEYS.length)).toEqual([...LOG_LINE_KEYS]);
      expect(line['service']).toBe(name);
      services.add(String(name));
      for (const nhsNumber of [PATIENT, '9434765918', '943 476 5919'])
        expect(raw).not.toContain(nhsNumber);
    }
    expect(services.size).toBe(DOMAIN_SERVICES.length + 3);
    // The requests above were answered, each with a line naming its route template.
    expect(output.some((raw) => raw.includes('"message":"request answered"'))).toBe(true);
  });
});
