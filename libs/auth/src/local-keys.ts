import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setting } from '@carelog/config';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * Local mode only: one signing key per local issuer (a stand-in NHS CIS2, a stand-in NHS login,
 * and the platform's own token endpoint), kept under .local/ and never used in a deployment.
 */
export const LOCAL_ISSUERS = {
  cis2: { issuer: 'carelog-local-cis2', audience: 'carelog-local', alg: 'RS256' },
  'nhs-login': {
    issuer: 'carelog-local-nhs-login',
    audience: 'carelog-local',
    carerAudience: 'carelog-local-carer',
    alg: 'RS512',
  },
  platform: { issuer: 'carelog-local-platform', audience: 'carelog', alg: 'ES256' },
} as const;
export type LocalIssuerName = keyof typeof LOCAL_ISSUERS;

export const localKeyFile = (): string =>
  setting('CARELOG_LOCAL_KEY_FILE') ??
  join(setting('CARELOG_LOCAL_DIR'), 'auth', 'local-issuer-keys.json');

export interface LocalKeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
}
export type LocalKeys = Record<LocalIssuerName, LocalKeyPair>;

async function keyPair(name: LocalIssuerName): Promise<LocalKeyPair> {
  const { alg } = LOCAL_ISSUERS[name];
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${name}-local-1`;
  return {
    privateJwk: { ...(await exportJWK(privateKey)), alg, kid, use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), alg, kid, use: 'sig' },
  };
}

let cached: { file: string; keys: Promise<LocalKeys> } | undefined;

/** Reads the local keys, creating them first if no process has yet (exclusive create). */
export function loadOrCreateLocalKeys(file = localKeyFile()): Promise<LocalKeys> {
  if (cached?.file !== file) cached = { file, keys: readOrCreate(file) };
  const keys = cached.keys;
  keys.catch(() => (cached = undefined));
  return keys;
}

async function readOrCreate(file: string): Promise<LocalKeys> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LocalKeys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const keys: LocalKeys = {
    cis2: await keyPair('cis2'),
    'nhs-login': await keyPair('nhs-login'),
    platform: await keyPair('platform'),
  };
  await mkdir(dirname(file), { recursive: true });
  // Written whole to a file of our own, then linked into place: another process sees either no
  // file or a complete one, and the first to link wins.
  const draft = `${file}.${process.pid}.draft`;
  await writeFile(draft, JSON.stringify(keys), { mode: 0o600 });
  try {
    await link(draft, file);
    return keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(await readFile(file, 'utf8')) as LocalKeys;
  } finally {
    await unlink(draft);
  }
}
