import { readFileSync } from 'node:fs';
import { setting, type Environment } from '@carelog/config';
import { parseIssuerSettings, type IssuerKind } from '@carelog/auth';

/** How the web app proves itself at an issuer's token endpoint. */
export const CLIENT_AUTH_METHODS = [
  'private_key_jwt',
  'client_secret_post',
  'client_secret_basic',
] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** One "Sign in with ..." button: an issuer the APIs trust, and the client id to sign in as. */
export interface SignInIssuer {
  /** Stable in the URL: the issuer's place in the issuers list, `-carer` for NHS login's carer client. */
  id: string;
  label: string;
  kind: Exclude<IssuerKind, 'source-system'>;
  issuer: string;
  /** The client id: the `audience` the APIs check (or NHS login's `carerAudience`). */
  clientId: string;
  discoveryUrl: string;
  scope: string;
  clientAuth: ClientAuthMethod;
  clientSecret?: string;
  /** Extra parameters on the authorisation request (NHS login: `vtr`). */
  authorizationParams: Record<string, string>;
}

export interface OidcSettings {
  /** `<CARELOG_WEB_BASE_URL>/sign-in/callback`, registered with every issuer. */
  redirectUri: string;
  issuers: SignInIssuer[];
  /** The web app's private key (a JWK) for `private_key_jwt` client authentication. */
  clientKey?: Record<string, unknown>;
}

/** CIS2: the selected role and its national RBAC entries (README, "Staff (NHS CIS2)"). */
export const DEFAULT_SCOPES: Record<SignInIssuer['kind'], string> = {
  cis2: 'openid profile nationalrbacaccess selectedrole',
  'nhs-login': 'openid profile',
};

/** NHS login: ask for P9 (every record route needs it), with any of its ways of proving it. */
const DEFAULT_PARAMS: Record<SignInIssuer['kind'], Record<string, string>> = {
  cis2: {},
  'nhs-login': { vtr: '["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]' },
};

const fail = (why: string): never => {
  throw new Error(`carelog web sign-in: ${why}`);
};

function privateJwk(text: string): Record<string, unknown> {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const key = Array.isArray(parsed['keys'])
    ? (parsed['keys'] as Record<string, unknown>[])[0]
    : parsed;
  if (!key || typeof key['d'] !== 'string' || typeof key['kid'] !== 'string')
    return fail('CARELOG_WEB_OIDC_KEY_FILE must hold a private JWK with a kid');
  return key;
}

/**
 * Sign-in with real issuers (README, "Signing in"): the issuers come from the same
 * `CARELOG_ISSUERS_FILE` / `CARELOG_ISSUERS` the APIs verify tokens against; each CIS2 or NHS
 * login issuer may carry a `signIn` object `{ scope?, clientAuth?, clientSecretFile?,
 * authorizationParams?, offered? }`. Undefined in local mode or without `CARELOG_WEB_BASE_URL`.
 */
export function oidcSettingsFromEnv(env?: Environment): OidcSettings | undefined {
  if (setting('CARELOG_AUTH_MODE', env) === 'local') return undefined;
  const base = setting('CARELOG_WEB_BASE_URL', env);
  const file = setting('CARELOG_ISSUERS_FILE', env);
  const inline = setting('CARELOG_ISSUERS', env);
  if (!base || (!file && !inline)) return undefined;
  const raw = JSON.parse(file ? readFileSync(file, 'utf8') : (inline ?? '')) as {
    issuers?: Array<Record<string, unknown>>;
  };
  const parsed = parseIssuerSettings(raw);
  const issuers: SignInIssuer[] = [];
  parsed.issuers.forEach((trusted, index) => {
    if (trusted.kind === 'source-system') return;
    const signIn = (raw.issuers?.[index]?.['signIn'] ?? {}) as Record<string, unknown>;
    if (signIn['offered'] === false) return;
    const clientAuth = (signIn['clientAuth'] ?? 'private_key_jwt') as ClientAuthMethod;
    if (!CLIENT_AUTH_METHODS.includes(clientAuth))
      fail(`issuers[${index}].signIn.clientAuth must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
    const secretFile = signIn['clientSecretFile'];
    const clientSecret =
      typeof secretFile === 'string' ? readFileSync(secretFile, 'utf8').trim() : undefined;
    if (clientAuth !== 'private_key_jwt' && !clientSecret)
      fail(`issuers[${index}].signIn.clientSecretFile is needed for ${clientAuth}`);
    const discoveryUrl =
      'discoveryUrl' in trusted.keys
        ? trusted.keys.discoveryUrl
        : `${trusted.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const common = {
      kind: trusted.kind,
      issuer: trusted.issuer,
      discoveryUrl,
      scope: typeof signIn['scope'] === 'string' ? signIn['scope'] : DEFAULT_SCOPES[trusted.kind],
      clientAuth,
      ...(clientSecret ? { clientSecret } : {}),
      authorizationParams: {
        ...DEFAULT_PARAMS[trusted.kind],
        ...((signIn['authorizationParams'] ?? {}) as Record<string, string>),
      },
    };
    if (trusted.kind === 'cis2') {
      issuers.push({
        ...common,
        id: String(index),
        label: 'Sign in with NHS CIS2',
        clientId: trusted.audience,
      });
      return;
    }
    issuers.push({
      ...common,
      id: String(index),
      label: 'Sign in with NHS login',
      clientId: trusted.audience,
    });
    if (trusted.carerAudience)
      issuers.push({
        ...common,
        id: `${index}-carer`,
        label: 'Sign in with NHS login as a carer',
        clientId: trusted.carerAudience,
      });
  });
  const keyFile = setting('CARELOG_WEB_OIDC_KEY_FILE', env);
  const clientKey = keyFile ? privateJwk(readFileSync(keyFile, 'utf8')) : undefined;
  if (!clientKey && issuers.some((issuer) => issuer.clientAuth === 'private_key_jwt'))
    fail('CARELOG_WEB_OIDC_KEY_FILE (a private JWK) is needed for private_key_jwt');
  return {
    redirectUri: `${new URL(base).href.replace(/\/$/, '')}/sign-in/callback`,
    issuers,
    ...(clientKey ? { clientKey } : {}),
  };
}

export const OIDC_SETTINGS = Symbol('OIDC_SETTINGS');
