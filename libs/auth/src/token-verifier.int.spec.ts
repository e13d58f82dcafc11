import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { TokenVerifier, verifierSettingsFromEnv } from './token-verifier';
import { CLAIMS } from './caller';

/** JWKS mode, as with NHS CIS2 or NHS login: keys fetched from a real HTTP endpoint. */
describe('token verification against a JWKS endpoint', () => {
  let server: Server;
  let url: string;
  let sign: (claims: Record<string, unknown>, issuer?: string) => Promise<string>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'cis2-test', alg: 'RS256', use: 'sig' };
    server = createServer((_request, response) => {
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    sign = (claims, issuer = 'https://issuer.test') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'cis2-test' })
        .setSubject('555021935107')
        .setIssuer(issuer)
        .setAudience('carelog')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const verifier = async () =>
    new TokenVerifier(
      await verifierSettingsFromEnv({
        AUTH_JWKS_URL: url,
        AUTH_ISSUER: 'https://issuer.test',
        AUTH_AUDIENCE: 'carelog',
      }),
    );

  it('takes the caller from a token the JWKS key signed', async () => {
    const token = await sign({
      [CLAIMS.role]: 'gp',
      [CLAIMS.organisation]: 'A81001',
      azp: 'emis-web',
    });
    await expect((await verifier()).verify(`Bearer ${token}`)).resolves.toEqual({
      userId: '555021935107',
      role: 'gp',
      profession: 'gp',
      organisation: 'A81001',
      system: 'emis-web',
    });
  });

  it('refuses a token from another issuer, and one without a carelog role', async () => {
    const v = await verifier();
    const foreign = await sign(
      { [CLAIMS.role]: 'gp', [CLAIMS.organisation]: 'A81001' },
      'https://elsewhere.test',
    );
    await expect(v.verify(`Bearer ${foreign}`)).rejects.toMatchObject({ code: 'invalid-token' });
    const roleless = await sign({ [CLAIMS.organisation]: 'A81001' });
    await expect(v.verify(`Bearer ${roleless}`)).rejects.toMatchObject({ code: 'invalid-token' });
  });

  it('refuses to start without the JWKS settings unless local mode is asked for', async () => {
    await expect(verifierSettingsFromEnv({})).rejects.toThrow(/AUTH_JWKS_URL/);
  });
});
