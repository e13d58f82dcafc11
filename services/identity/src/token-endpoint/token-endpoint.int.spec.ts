import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  jobRoleTableFromEnv,
  mintLocalNhsLoginToken,
  mintLocalToken,
  parseIssuerSettings,
  TokenVerifier,
  type AnyCaller,
} from '@carelog/auth';
import {
  AnyCallerGuard,
  CallerModule,
  createHttpService,
  CurrentAnyCaller,
} from '@carelog/nest-platform';
import { eventually, requestJson, TestIssuer, uniqueName } from '@carelog/testing';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { Pool } from 'pg';
import { configuredDatabaseUrl } from '@carelog/read-model';

/** A route a source system may call, answering the caller as the platform's guard verified it. */
@Controller('whoami')
class WhoAmIController {
  @Get()
  @UseGuards(AnyCallerGuard)
  whoami(@CurrentAnyCaller() caller: AnyCaller): AnyCaller {
    return caller;
  }
}
@Module({ imports: [CallerModule], controllers: [WhoAmIController] })
class WhoAmIModule {}

type Problem = { code: string; field?: string; status: number };
type Issued = { access_token: string; token_type: string; expires_in: number };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The client-credentials flow end to end, on real Postgres: a connected system signs an
 * assertion, the identity service exchanges it for a token, and a carelog service verifies that
 * token through the same TokenVerifier path into a source-system caller.
 */
describe('identity: POST /oauth2/token (client credentials, RFC 7523 JWT assertion)', () => {
  const saved = { ...process.env };
  const schema = uniqueName('identity_test');
  let identity: NestExpressApplication;
  let service: NestExpressApplication;
  let base: string;
  let serviceUrl: string;
  let endpoint: string;
  let clientKey: KeyLike;
  let remoteClient: TestIssuer;
  const clientKid = 'emis-key-1';

  beforeAll(async () => {
    const client = await generateKeyPair('RS512');
    clientKey = client.privateKey;
    remoteClient = await TestIssuer.start();
    const directory = await mkdtemp(join(tmpdir(), 'carelog-identity-'));
    const registry = join(directory, 'connected-systems.json');
    await writeFile(
      registry,
      JSON.stringify({
        systems: [
          {
            clientId: 'emis-a81001',
            name: 'EMIS Web at A81001',
            organisation: 'A81001',
            entryTypes: ['RegistrationStarted', 'ConsultationRecorded'],
            jwks: {
              keys: [
                {
                  ...(await exportJWK(client.publicKey)),
                  kid: clientKid,
                  alg: 'RS512',
                  use: 'sig',
                },
              ],
            },
          },
          {
            clientId: 'mosaic-716',
            organisation: '716',
            entryTypes: ['CaseOpened'],
            jwksUri: remoteClient.jwksUri,
          },
        ],
      }),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    endpoint = `${base}/oauth2/token`;
    Object.assign(process.env, {
      CARELOG_SOURCE_SYSTEMS_FILE: registry,
      CARELOG_IDENTITY_SCHEMA: schema,
      CARELOG_IDENTITY_URL: base,
    });
    identity = await (await import('../identity-app')).createIdentityApp();
    await identity.listen(port, '127.0.0.1');
    service = await createHttpService({
      name: 'whoami',
      description: 'under test',
      module: WhoAmIModule,
    });
    await service.listen(0, '127.0.0.1');
    serviceUrl = `http://127.0.0.1:${(service.getHttpServer().address() as AddressInfo).port}`;
    await eventually(async () =>
      expect((await requestJson(`${base}/health/ready`)).status).toBe(200),
    );
  });

  afterAll(async () => {
    await identity?.close();
    await service?.close();
    await remoteClient?.close();
    const pool = new Pool({ connectionString: configuredDatabaseUrl(), max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    process.env = saved;
  });

  const assertion = (
    over: {
      iss?: string;
      sub?: string;
      aud?: string;
      exp?: number | null;
      jti?: string | null;
      key?: KeyLike;
      kid?: string;
    } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(over.jti === null ? {} : { jti: over.jti ?? randomUUID() })
      .setProtectedHeader({ alg: 'RS512', kid: over.kid ?? clientKid, typ: 'JWT' })
      .setIssuer(over.iss ?? 'emis-a81001')
      .setSubject(over.sub ?? over.iss ?? 'emis-a81001')
      .setAudience(over.aud ?? endpoint)
      .setIssuedAt(now);
    if (over.exp !== null) jwt.setExpirationTime(now + (over.exp ?? 240));
    return jwt.sign(over.key ?? clientKey);
  };

  const exchange = (form: Record<string, string>) =>
    fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    }).then(async (response) => ({
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Issued & Problem,
    }));

  const clientCredentials = (clientAssertion: string) => ({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: clientAssertion,
  });

  it('exchanges a good assertion for a token that a carelog service verifies as that source system', async () => {
    const response = await exchange(clientCredentials(await assertion()));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    const whoami = await requestJson(`${serviceUrl}/whoami`, { token: response.body.access_token });
    expect(whoami.status).toBe(200);
    expect(whoami.body).toEqual({
      kind: 'source-system',
      clientId: 'emis-a81001',
      organisation: 'A81001',
      entryTypes: ['RegistrationStarted', 'ConsultationRecorded'],
      system: 'EMIS Web at A81001',
    });
  });

  it("verifies the issued token through the endpoint's own discovery document and JWKS", async () => {
    const discovery = await requestJson<Record<string, unknown>>(
      `${base}/.well-known/openid-configuration`,
    );
    expect(discovery.body).toMatchObject({
      token_endpoint: endpoint,
      jwks_uri: `${base}/oauth2/jwks`,
    });
    const verifier = new TokenVerifier(
      parseIssuerSettings({
        issuers: [
          {
            kind: 'source-system',
            issuer: discovery.body['issuer'],
            audience: 'carelog',
            discovery: `${base}/.well-known/openid-configuration`,
          },
        ],
      }),
      jobRoleTableFromEnv({}),
    );
    const { body } = await exchange(clientCredentials(await assertion()));
    await expect(verifier.verifyAny(`Bearer ${body.access_token}`)).resolves.toMatchObject({
      kind: 'source-system',
      clientId: 'emis-a81001',
    });
  });

  it('accepts a client whose keys are published at its own JWKS URL', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: remoteClient.currentKid })
      .setIssuer('mosaic-716')
      .setSubject('mosaic-716')
      .setAudience(endpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(remoteClient.privateKeyOf(remoteClient.currentKid) as KeyLike);
    const response = await exchange(clientCredentials(signed));
    expect(response.status).toBe(200);
    const whoami = await requestJson<AnyCaller>(`${serviceUrl}/whoami`, {
      token: response.body.access_token,
    });
    expect(whoami.body).toMatchObject({
      clientId: 'mosaic-716',
      organisation: '716',
      entryTypes: ['CaseOpened'],
    });
  });

  it('refuses a replayed jti', async () => {
    const once = await assertion();
    expect((await exchange(clientCredentials(once))).status).toBe(200);
    const replay = await exchange(clientCredentials(once));
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid-client');
  });

  it('issues one token for an assertion sent twice at once', async () => {
    const once = await assertion();
    const answers = await Promise.all([
      exchange(clientCredentials(once)),
      exchange(clientCredentials(once)),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
  });

  it.each([
    [
      "a bad signature (another key, the client's kid)",
      async () => assertion({ key: (await generateKeyPair('RS512')).privateKey }),
    ],
    ['the wrong aud', () => assertion({ aud: `${base}/somewhere-else` })],
    ['an unknown client', () => assertion({ iss: 'stranger' })],
    ['iss not equal to sub', () => assertion({ sub: 'mosaic-716' })],
    ['no exp', () => assertion({ exp: null })],
    ['an exp more than 5 minutes away', () => assertion({ exp: 3600 })],
    ['an expired assertion', () => assertion({ exp: -120 })],
    ['no jti', () => assertion({ jti: null })],
    ['a token that is not a JWT', () => Promise.resolve('not-a-jwt')],
  ])('refuses %s with 401 invalid-client, and issues nothing', async (_label, make) => {
    const response = await exchange(clientCredentials(await make()));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'invalid-client', field: 'client_assertion' });
    expect(response.body.access_token).toBeUndefined();
  });

  it('refuses other grant types and assertion types as problem+json naming the field', async () => {
    const good = await assertion();
    const password = await exchange({ ...clientCredentials(good), grant_type: 'password' });
    expect([password.status, password.body.code, password.body.field]).toEqual([
      400,
      'unsupported-grant-type',
      'grant_type',
    ]);
    const secret = await exchange({
      ...clientCredentials(good),
      client_assertion_type: 'client_secret',
    });
    expect([secret.status, secret.body.code]).toEqual([400, 'invalid-request']);
  });

  it("local mode: serves the stand-in CIS2 and NHS login issuers' discovery and keys, verified by the production path", async () => {
    const discovered = async (name: string) =>
      (
        await requestJson<{ issuer: string }>(
          `${base}/local/${name}/.well-known/openid-configuration`,
        )
      ).body.issuer;
    const verifier = new TokenVerifier(
      parseIssuerSettings({
        issuers: [
          {
            kind: 'cis2',
            issuer: await discovered('cis2'),
            audience: 'carelog-local',
            discovery: `${base}/local/cis2/.well-known/openid-configuration`,
          },
          {
            kind: 'nhs-login',
            issuer: await discovered('nhs-login'),
            audience: 'carelog-local',
            carerAudience: 'carelog-local-carer',
            discovery: `${base}/local/nhs-login/.well-known/openid-configuration`,
          },
        ],
      }),
      jobRoleTableFromEnv({}),
    );
    const gp = await mintLocalToken({ role: 'gp', organisation: 'A81001', userId: 'dr-a' });
    await expect(verifier.verify(`Bearer ${gp}`)).resolves.toMatchObject({
      role: 'gp',
      organisation: 'A81001',
      userId: 'dr-a',
    });
    const patient = await mintLocalNhsLoginToken({ nhsNumber: '9434765919', userId: 'pat' });
    await expect(verifier.verify(`Bearer ${patient}`)).resolves.toMatchObject({
      role: 'patient',
      identityProofingLevel: 'P9',
    });
    expect((await requestJson(`${base}/local/elsewhere/jwks`)).status).toBe(404);
  });
});
