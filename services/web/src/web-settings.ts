import { setting, type Environment } from '@carelog/config';

/** Every setting of the web app, read once at start-up (README, "Settings"). */

/** The platform services the web app calls with the signed-in person's token (default ports). */
export const WEB_UPSTREAMS = {
  'record-api': { variable: 'CARELOG_WEB_RECORD_API_URL', port: setting('RECORD_API_PORT', {}) },
  'gp-records': { variable: 'CARELOG_WEB_GP_RECORDS_URL', port: setting('GP_RECORDS_PORT', {}) },
  'social-care': {
    variable: 'CARELOG_WEB_SOCIAL_CARE_URL',
    port: setting('SOCIAL_CARE_PORT', {}),
  },
  notifications: {
    variable: 'CARELOG_WEB_NOTIFICATIONS_URL',
    port: setting('NOTIFICATIONS_PORT', {}),
  },
} as const;
export type Upstream = keyof typeof WEB_UPSTREAMS;

export interface WebSettings {
  /** `local`: the demo-identity picker mints local tokens; otherwise no local sign-in. */
  localSignIn: boolean;
  upstreams: Record<Upstream, string>;
  /** 32 bytes that encrypt the session cookie (A256GCM). */
  sessionKey: Uint8Array;
  /** Send the session cookie only over HTTPS (on unless local mode). */
  secureCookie: boolean;
  /** How long a session lasts, in seconds. */
  sessionSeconds: number;
}

function sessionKeyFrom(env: Environment | undefined, local: boolean): Uint8Array {
  const given = setting('CARELOG_WEB_SESSION_KEY', env);
  if (given) return given;
  if (!local) throw new Error('CARELOG_WEB_SESSION_KEY is required outside local mode');
  // Local mode: a key for this process only; signing in again after a restart is enough.
  return crypto.getRandomValues(new Uint8Array(32));
}

export function webSettingsFromEnv(env?: Environment): WebSettings {
  const local = setting('CARELOG_AUTH_MODE', env) === 'local';
  const offset = setting('CARELOG_PORT_OFFSET', env);
  const upstreams = Object.fromEntries(
    Object.entries(WEB_UPSTREAMS).map(([name, { variable, port }]) => [
      name,
      setting(variable, env) ?? `http://127.0.0.1:${port + offset}`,
    ]),
  ) as Record<Upstream, string>;
  return {
    localSignIn: local,
    upstreams,
    sessionKey: sessionKeyFrom(env, local),
    secureCookie: setting('CARELOG_WEB_SECURE_COOKIE', env) ?? !local,
    sessionSeconds: setting('CARELOG_WEB_SESSION_MINUTES', env) * 60,
  };
}

export const WEB_SETTINGS = Symbol('WEB_SETTINGS');
