/** Every setting of the web app, read once at start-up (README, "The people's web app"). */
export const DEFAULT_WEB_PORT = 3000;

/** The platform services the web app calls with the signed-in person's token. */
export const WEB_UPSTREAMS = {
  'record-api': { variable: 'CARELOG_WEB_RECORD_API_URL', port: 3100 },
  'gp-records': { variable: 'CARELOG_WEB_GP_RECORDS_URL', port: 3101 },
  'social-care': { variable: 'CARELOG_WEB_SOCIAL_CARE_URL', port: 3102 },
  notifications: { variable: 'CARELOG_WEB_NOTIFICATIONS_URL', port: 3105 },
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

function sessionKeyFrom(env: NodeJS.ProcessEnv, local: boolean): Uint8Array {
  const given = env['CARELOG_WEB_SESSION_KEY'];
  if (given) {
    const key = Buffer.from(given, 'base64url');
    if (key.length !== 32)
      throw new Error('CARELOG_WEB_SESSION_KEY must be 32 bytes, base64url-encoded');
    return key;
  }
  if (!local) throw new Error('CARELOG_WEB_SESSION_KEY is required outside local mode');
  // Local mode: a key for this process only; signing in again after a restart is enough.
  return crypto.getRandomValues(new Uint8Array(32));
}

export function webSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WebSettings {
  const local = env['CARELOG_AUTH_MODE'] === 'local';
  const offset = Number(env['CARELOG_PORT_OFFSET'] ?? 0) || 0;
  const upstreams = Object.fromEntries(
    Object.entries(WEB_UPSTREAMS).map(([name, { variable, port }]) => [
      name,
      (env[variable] || `http://127.0.0.1:${port + offset}`).replace(/\/$/, ''),
    ]),
  ) as Record<Upstream, string>;
  const sessionSeconds = Number(env['CARELOG_WEB_SESSION_MINUTES'] ?? 60) * 60;
  if (!Number.isFinite(sessionSeconds) || sessionSeconds <= 0)
    throw new Error('CARELOG_WEB_SESSION_MINUTES must be a positive number');
  return {
    localSignIn: local,
    upstreams,
    sessionKey: sessionKeyFrom(env, local),
    secureCookie: env['CARELOG_WEB_SECURE_COOKIE']
      ? env['CARELOG_WEB_SECURE_COOKIE'] !== 'off'
      : !local,
    sessionSeconds,
  };
}

export const WEB_SETTINGS = Symbol('WEB_SETTINGS');
