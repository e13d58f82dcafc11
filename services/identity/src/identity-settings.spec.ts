import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { identitySettingsFromEnv } from './identity-settings';

describe('identity settings', () => {
  it('signs with the first configured key and publishes the public part of every key, never a private one', async () => {
    const privateJwk = async (kid: string) => {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      return { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
    };
    const file = join(mkdtempSync(join(tmpdir(), 'carelog-signing-')), 'keys.json');
    writeFileSync(
      file,
      JSON.stringify({ keys: [await privateJwk('2026-12'), await privateJwk('2026-06')] }),
    );
    const settings = await identitySettingsFromEnv({
      CARELOG_TOKEN_SIGNING_KEYS_FILE: file,
      CARELOG_IDENTITY_URL: 'https://carelog.example/identity/',
    });
    expect(settings.signer).toMatchObject({
      kid: '2026-12',
      alg: 'ES256',
      issuer: 'https://carelog.example/identity',
      audience: 'carelog',
    });
    expect(settings.endpointUrl).toBe('https://carelog.example/identity/oauth2/token');
    expect(settings.jwks.keys.map((key) => key.kid)).toEqual(['2026-12', '2026-06']);
    for (const key of settings.jwks.keys) expect(key).not.toHaveProperty('d');
  });

  it('refuses to start without signing keys unless in local mode', async () => {
    await expect(identitySettingsFromEnv({})).rejects.toThrow(/CARELOG_TOKEN_SIGNING_KEYS_FILE/);
    await expect(
      identitySettingsFromEnv({ CARELOG_AUTH_MODE: 'local', CARELOG_TOKEN_LIFETIME_SECONDS: '0' }),
    ).rejects.toThrow(/CARELOG_TOKEN_LIFETIME_SECONDS/);
  });
});
