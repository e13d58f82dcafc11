import { readFileSync } from 'node:fs';
import { setting, type Environment } from '@carelog/config';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { LOCAL_ISSUERS, loadOrCreateLocalKeys } from './local-keys';

/** Which kind of caller an issuer's tokens identify: decided by configuration, never by a claim. */
export const ISSUER_KINDS = ['cis2', 'nhs-login', 'source-system'] as const;
export type IssuerKind = (typeof ISSUER_KINDS)[number];

/** Asymmetric signatures only: `none` and shared-secret (HS*) algorithms are never accepted. */
export const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
];

export interface TrustedIssuer {
  kind: IssuerKind;
  /** The exact `iss` of its tokens. */
  issuer: string;
  /** The `aud` its tokens must carry (the client id the ICS registered with the issuer). */
  audience: string;
  /** NHS login only: the client id through which people sign in as a carer. */
  carerAudience?: string;
  /** Where its keys are: a JWKS URL, an OIDC discovery document, or (local mode) the keys themselves. */
  keys: { jwksUri: string } | { discoveryUrl: string } | { local: JWTVerifyGetKey };
  algorithms: readonly string[];
}

export interface VerifierSettings {
  issuers: readonly TrustedIssuer[];
  /** Allowed clock difference for `exp`, `nbf` and `iat`, in seconds. */
  clockSkewSeconds: number;
  /** After a successful key fetch, an unknown `kid` waits this long before another fetch. */
  jwksCooldownSeconds: number;
  /** Keys are fetched again after this long even if every `kid` is known. */
  jwksCacheMaxAgeSeconds: number;
}

export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;
export const DEFAULT_JWKS_CACHE_MAX_AGE_SECONDS = 600;

const fail = (why: string): never => {
  throw new Error(`carelog issuers configuration: ${why}`);
};

const nonNegative = (value: unknown, name: string, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    return fail(`${name} must be a number of seconds, 0 or more`);
  return value;
};

const text = (value: unknown, name: string): string =>
  typeof value === 'string' && value.length > 0
    ? value
    : fail(`${name} must be a non-empty string`);

/**
 * Reads the issuers an ICS trusts (README, "Signing in"): a JSON object
 * `{ clockSkewSeconds?, jwksCooldownSeconds?, jwksCacheMaxAgeSeconds?, issuers: [...] }`, each
 * issuer `{ kind, issuer, audience, carerAudience?, jwksUri? | discovery?, algorithms? }`.
 */
export function parseIssuerSettings(raw: unknown): VerifierSettings {
  if (typeof raw !== 'object' || raw === null) return fail('must be a JSON object');
  const document = raw as Record<string, unknown>;
  const list = document['issuers'];
  if (!Array.isArray(list) || list.length === 0) return fail('issuers must be a non-empty list');
  const issuers = list.map((entry: unknown, index): TrustedIssuer => {
    const row = (entry ?? {}) as Record<string, unknown>;
    const where = `issuers[${index}]`;
    const kind = row['kind'];
    if (!ISSUER_KINDS.includes(kind as IssuerKind))
      return fail(`${where}.kind must be one of ${ISSUER_KINDS.join(', ')}`);
    const issuer = text(row['issuer'], `${where}.issuer`);
    const audience = text(row['audience'], `${where}.audience`);
    const carerAudience =
      row['carerAudience'] === undefined
        ? undefined
        : text(row['carerAudience'], `${where}.carerAudience`);
    if (carerAudience !== undefined && kind !== 'nhs-login')
      return fail(`${where}.carerAudience is for NHS login issuers only`);
    if (carerAudience === audience) return fail(`${where}.carerAudience must differ from audience`);
    const jwksUri = row['jwksUri'];
    const discovery = row['discovery'];
    if ((jwksUri === undefined) === (discovery === undefined || discovery === false))
      return fail(`${where} needs exactly one of jwksUri and discovery`);
    const keys =
      jwksUri !== undefined
        ? { jwksUri: new URL(text(jwksUri, `${where}.jwksUri`)).href }
        : {
            discoveryUrl:
              discovery === true
                ? `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
                : new URL(text(discovery, `${where}.discovery`)).href,
          };
    const algorithms = row['algorithms'] ?? DEFAULT_ALGORITHMS;
    if (
      !Array.isArray(algorithms) ||
      algorithms.length === 0 ||
      !algorithms.every((alg) => typeof alg === 'string' && DEFAULT_ALGORITHMS.includes(alg))
    )
      return fail(`${where}.algorithms must be a list from ${DEFAULT_ALGORITHMS.join(', ')}`);
    return {
      kind: kind as IssuerKind,
      issuer,
      audience,
      ...(carerAudience ? { carerAudience } : {}),
      keys,
      algorithms: algorithms as string[],
    };
  });
  const seen = new Set<string>();
  for (const { issuer } of issuers) {
    if (seen.has(issuer)) fail(`issuer ${issuer} is listed twice`);
    seen.add(issuer);
  }
  return {
    issuers,
    clockSkewSeconds: nonNegative(
      document['clockSkewSeconds'],
      'clockSkewSeconds',
      DEFAULT_CLOCK_SKEW_SECONDS,
    ),
    jwksCooldownSeconds: nonNegative(
      document['jwksCooldownSeconds'],
      'jwksCooldownSeconds',
      DEFAULT_JWKS_COOLDOWN_SECONDS,
    ),
    jwksCacheMaxAgeSeconds: nonNegative(
      document['jwksCacheMaxAgeSeconds'],
      'jwksCacheMaxAgeSeconds',
      DEFAULT_JWKS_CACHE_MAX_AGE_SECONDS,
    ),
  };
}

/** Local mode: the three local issuers, keys read from .local/ instead of fetched. */
export async function localIssuerSettings(): Promise<VerifierSettings> {
  const keys = await loadOrCreateLocalKeys();
  const local = (name: keyof typeof keys) => ({
    local: createLocalJWKSet({ keys: [keys[name].publicJwk] }),
  });
  return {
    issuers: [
      {
        kind: 'cis2',
        issuer: LOCAL_ISSUERS.cis2.issuer,
        audience: LOCAL_ISSUERS.cis2.audience,
        keys: local('cis2'),
        algorithms: [LOCAL_ISSUERS.cis2.alg],
      },
      {
        kind: 'nhs-login',
        issuer: LOCAL_ISSUERS['nhs-login'].issuer,
        audience: LOCAL_ISSUERS['nhs-login'].audience,
        carerAudience: LOCAL_ISSUERS['nhs-login'].carerAudience,
        keys: local('nhs-login'),
        algorithms: [LOCAL_ISSUERS['nhs-login'].alg],
      },
      {
        kind: 'source-system',
        issuer: LOCAL_ISSUERS.platform.issuer,
        audience: LOCAL_ISSUERS.platform.audience,
        keys: local('platform'),
        algorithms: [LOCAL_ISSUERS.platform.alg],
      },
    ],
    clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
    jwksCooldownSeconds: DEFAULT_JWKS_COOLDOWN_SECONDS,
    jwksCacheMaxAgeSeconds: DEFAULT_JWKS_CACHE_MAX_AGE_SECONDS,
  };
}

/**
 * `CARELOG_AUTH_MODE=jwks` (the default) trusts the issuers in `CARELOG_ISSUERS_FILE` (or the
 * same JSON inline in `CARELOG_ISSUERS`); `local` trusts the local issuers, and must be asked for.
 */
export async function verifierSettingsFromEnv(env?: Environment): Promise<VerifierSettings> {
  if (setting('CARELOG_AUTH_MODE', env) === 'local') return localIssuerSettings();
  const file = setting('CARELOG_ISSUERS_FILE', env);
  const inline = setting('CARELOG_ISSUERS', env);
  if (!file && !inline) {
    throw new Error(
      'CARELOG_ISSUERS_FILE (or CARELOG_ISSUERS) must list the trusted issuers: NHS CIS2, NHS login and the platform token endpoint (or CARELOG_AUTH_MODE=local for local development)',
    );
  }
  return parseIssuerSettings(JSON.parse(file ? readFileSync(file, 'utf8') : (inline ?? '')));
}
