import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintLocalToken } from '@carelog/auth';
import { schemasDir } from '@carelog/codec';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';

const PRACTICE = 'C83003';
const CLIENT_ID = 'emis-c83003';
const KID = 'emis-c83003-key-1';

const example = (folder: string, type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(schemasDir, 'examples', folder, `${type}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

/**
 * docs/architecture.md, "Who is calling" and "Legitimate relationships" way 1, through the real flow: a
 * practice's GP system, registered with the ICS, signs a JWT assertion, exchanges it at the
 * identity service's `POST /oauth2/token` (client credentials) for a token, and with that token
 * records `RegistrationStarted` through gp-records; the practice's GP then reads the record.
 */
describe('a source system’s token from the identity service starts its practice’s relationship', () => {
  const services = new Map<string, RunningService>();
  const log = serviceLog('source-system-token.e2e');
  const registry = join(process.cwd(), '.local', `${uniqueName('connected-systems')}.json`);
  let clientKey: KeyLike;
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('system-token'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-system-token'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_system_token'),
    CARELOG_IDENTITY_SCHEMA: uniqueName('identity_system_token'),
    CARELOG_SOURCE_SYSTEMS_FILE: registry,
  };
  const service = (name: string): RunningService => {
    const found = services.get(name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };

  beforeAll(async () => {
    const client = await generateKeyPair('RS512');
    clientKey = client.privateKey;
    mkdirSync(join(process.cwd(), '.local'), { recursive: true });
    // The ICS registers the practice's GP system: its organisation, its types, its public key.
    writeFileSync(
      registry,
      JSON.stringify({
        systems: [
          {
            clientId: CLIENT_ID,
            name: `EMIS Web at ${PRACTICE}`,
            organisation: PRACTICE,
            entryTypes: ['RegistrationStarted'],
            jwks: {
              keys: [
                { ...(await exportJWK(client.publicKey)), kid: KID, alg: 'RS512', use: 'sig' },
              ],
            },
          },
        ],
      }),
    );
    const projection = startService({ name: 'projection', port: 4923, env, onOutput: log });
    services.set('projection', projection);
    await waitForReady(projection);
    const ports: Array<[Parameters<typeof startService>[0]['name'], number]> = [
      ['identity', 4920],
      ['gp-records', 4921],
      ['record-api', 4922],
    ];
    for (const [name, port] of ports)
      services.set(name, startService({ name, port, env, onOutput: log }));
    await Promise.all([...services.values()].map((running) => waitForReady(running)));
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((running) => running.stop()));
  });

  /** The system's client assertion (RFC 7523), signed with its registered key, for the endpoint. */
  const assertion = async (endpoint: string): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS512', kid: KID, typ: 'JWT' })
      .setIssuer(CLIENT_ID)
      .setSubject(CLIENT_ID)
      .setAudience(endpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .sign(clientKey);
  };

  it('records RegistrationStarted with the issued token, and the practice’s GP then reads the record', async () => {
    const nhsNumber = nextTestNhsNumber();
    const record = `${service('record-api').baseUrl}/v1/patients/${nhsNumber}/record`;
    const gp = await mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: 'gp-c83003' });
    // Given: the practice has no relationship with the patient yet.
    expect((await requestJson(record, { token: gp })).status).toBe(404);

    // When: the practice's system obtains a token through the real client-credentials flow ...
    const endpoint = `${service('identity').baseUrl}/oauth2/token`;
    const discovery = await requestJson<{ token_endpoint: string }>(
      `${service('identity').baseUrl}/.well-known/openid-configuration`,
    );
    expect(discovery.body.token_endpoint).toBe(endpoint);
    const issued = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion(endpoint),
      }).toString(),
    });
    expect(issued.status).toBe(200);
    const { access_token: systemToken, token_type: tokenType } = (await issued.json()) as {
      access_token: string;
      token_type: string;
    };
    expect(tokenType).toBe('Bearer');

    // ... and registers the patient through gp-records with it.
    const registered = await requestJson<{ eventId: string; code?: string }>(
      `${service('gp-records').baseUrl}/v1/entries`,
      {
        method: 'POST',
        token: systemToken,
        headers: { 'Idempotency-Key': uniqueName('registration') },
        body: { ...example('gp', 'RegistrationStarted'), patient: { nhsNumber } },
      },
    );
    expect(registered.status).toBe(202);

    // Then: the practice's GP reads the record, which holds the registration.
    const read = await eventually(async () => {
      const response = await requestJson<{ entries: Array<{ eventId: string; type: string }> }>(
        record,
        { token: gp },
      );
      expect(response.status).toBe(200);
      expect(response.body.entries.map((entry) => entry.eventId)).toContain(
        registered.body.eventId,
      );
      return response.body.entries;
    });
    expect(read.find((entry) => entry.eventId === registered.body.eventId)?.type).toBe(
      'RegistrationStarted',
    );
    // Only the system's own organisation gained: another practice's GP still finds no patient.
    const elsewhere = await mintLocalToken({ role: 'gp', organisation: 'B82002' });
    expect((await requestJson(record, { token: elsewhere })).status).toBe(404);
    // And the token carries only the types the ICS registered the system for.
    const consultation = await requestJson<{ code: string }>(
      `${service('gp-records').baseUrl}/v1/entries`,
      {
        method: 'POST',
        token: systemToken,
        headers: { 'Idempotency-Key': uniqueName('consultation') },
        body: { ...example('gp', 'ConsultationRecorded'), patient: { nhsNumber } },
      },
    );
    expect(consultation.status).toBe(403);
    expect(consultation.body.code).toBe('entry-type-not-registered');
  });
});
