import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaSecurity } from './security';

describe('Kafka security settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, 'from-the-file\n');
  writeFileSync(join(dir, 'ca.pem'), 'CA');

  it('is plaintext with no settings (the local quick path)', () => {
    expect(kafkaSecurity({})).toEqual({});
  });

  it('gives SASL_SSL with SCRAM-SHA-512 as the service principal, password from its file', () => {
    expect(
      kafkaSecurity({
        CARELOG_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
        CARELOG_KAFKA_CA_FILE: join(dir, 'ca.pem'),
        CARELOG_KAFKA_USERNAME: 'carelog-gp-records',
        CARELOG_KAFKA_PASSWORD: 'ignored when a file is given',
        CARELOG_KAFKA_PASSWORD_FILE: passwordFile,
      }),
    ).toEqual({
      ssl: { ca: ['CA'] },
      sasl: {
        mechanism: 'scram-sha-512',
        username: 'carelog-gp-records',
        password: 'from-the-file',
      },
    });
  });

  it('refuses SASL without a principal, and unknown protocols and mechanisms', () => {
    expect(() => kafkaSecurity({ CARELOG_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl' })).toThrow(
      /CARELOG_KAFKA_USERNAME/,
    );
    expect(() => kafkaSecurity({ CARELOG_KAFKA_SECURITY_PROTOCOL: 'tls' })).toThrow(/one of/);
    expect(() =>
      kafkaSecurity({
        CARELOG_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
        CARELOG_KAFKA_SASL_MECHANISM: 'plain',
      }),
    ).toThrow(/one of/);
  });

  it('gets an OAUTHBEARER token by client credentials', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((request, response) => {
      const basic = Buffer.from('svc:secret').toString('base64');
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(
          request.headers.authorization === `Basic ${basic}`
            ? { access_token: 'token-1', expires_in: 300 }
            : {},
        ),
      );
    });
    await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
    const { port } = server.address() as { port: number };
    try {
      const { sasl } = kafkaSecurity({
        CARELOG_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
        CARELOG_KAFKA_SASL_MECHANISM: 'oauthbearer',
        CARELOG_KAFKA_OAUTH_TOKEN_URL: `http://127.0.0.1:${port}/token`,
        CARELOG_KAFKA_OAUTH_CLIENT_ID: 'svc',
        CARELOG_KAFKA_OAUTH_CLIENT_SECRET: 'secret',
      });
      const provider = (sasl as { oauthBearerProvider?: () => Promise<unknown> })
        .oauthBearerProvider;
      expect(sasl?.mechanism).toBe('oauthbearer');
      await expect(provider?.()).resolves.toEqual({ value: 'token-1' });
    } finally {
      server.close();
    }
  });
});
