import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LOCAL_ISSUERS, loadOrCreateLocalKeys, type LocalIssuerName } from '@carelog/auth';
import { setting, type Environment } from '@carelog/config';
import { importJWK, type JWK } from 'jose';
import type { TokenEndpointSettings } from './token-endpoint/client-credentials';

export const DEFAULT_CLOCK_SKEW_SECONDS = 60;

export interface IdentitySettings extends TokenEndpointSettings {
  /** Public base URL of this service (discovery names its endpoints under it). */
  baseUrl: string;
  /** Public keys of the platform issuer: the current signing key and any still being retired. */
  jwks: { keys: JWK[] };
  /** Local mode: the stand-in CIS2 and NHS login issuers this service also publishes. */
  localIssuers: Partial<Record<LocalIssuerName, { issuer: string; jwks: { keys: JWK[] } }>>;
}

const publicPart = (jwk: JWK): JWK => {
  const exported = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({
    format: 'jwk',
  }) as JWK;
  return { ...exported, kid: jwk.kid, alg: jwk.alg, use: 'sig' };
};

async function signerFrom(privateJwk: JWK, issuer: string, audience: string) {
  if (!privateJwk.kid || !privateJwk.alg)
    throw new Error('the token signing key needs kid and alg');
  return {
    key: await importJWK(privateJwk, privateJwk.alg),
    kid: privateJwk.kid,
    alg: privateJwk.alg,
    issuer,
    audience,
  };
}

/**
 * The token endpoint's settings. Local mode signs with the local platform key under .local/; a
 * deployment names its keys (`CARELOG_TOKEN_SIGNING_KEYS_FILE`: `{ keys: [private JWK, ...] }`,
 * the first signs, all are published so that tokens signed before a rotation still verify).
 */
export async function identitySettingsFromEnv(env?: Environment): Promise<IdentitySettings> {
  const baseUrl =
    setting('CARELOG_IDENTITY_URL', env) ?? `http://127.0.0.1:${setting('IDENTITY_PORT', env)}`;
  const tokenLifetimeSeconds = setting('CARELOG_TOKEN_LIFETIME_SECONDS', env);
  const common = {
    baseUrl,
    endpointUrl: `${baseUrl}/oauth2/token`,
    tokenLifetimeSeconds,
    clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
  };
  if (setting('CARELOG_AUTH_MODE', env) === 'local') {
    const keys = await loadOrCreateLocalKeys();
    const local = (name: LocalIssuerName) => ({
      issuer: LOCAL_ISSUERS[name].issuer,
      jwks: { keys: [keys[name].publicJwk] },
    });
    return {
      ...common,
      signer: await signerFrom(
        keys.platform.privateJwk,
        LOCAL_ISSUERS.platform.issuer,
        LOCAL_ISSUERS.platform.audience,
      ),
      jwks: { keys: [keys.platform.publicJwk] },
      localIssuers: { cis2: local('cis2'), 'nhs-login': local('nhs-login') },
    };
  }
  const file = setting('CARELOG_TOKEN_SIGNING_KEYS_FILE', env);
  if (!file)
    throw new Error(
      'CARELOG_TOKEN_SIGNING_KEYS_FILE is required (or CARELOG_AUTH_MODE=local for local development)',
    );
  const { keys } = JSON.parse(readFileSync(file, 'utf8')) as { keys?: JWK[] };
  const [current] = keys ?? [];
  if (!current) throw new Error(`${file} must hold { "keys": [ <private JWK>, ... ] }`);
  return {
    ...common,
    signer: await signerFrom(
      current,
      setting('CARELOG_TOKEN_ISSUER', env) ?? baseUrl,
      setting('CARELOG_TOKEN_AUDIENCE', env),
    ),
    jwks: { keys: (keys ?? []).map(publicPart) },
    localIssuers: {},
  };
}
