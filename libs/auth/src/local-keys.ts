import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** Local mode only: one signing key pair for the whole local platform, under .local/. */
export const LOCAL_ISSUER = 'carelog-local';
export const LOCAL_AUDIENCE = 'carelog';
export const localKeyFile = (): string =>
  process.env['CARELOG_LOCAL_KEY_FILE'] ??
  join(
    process.env['CARELOG_LOCAL_DIR'] ?? resolve(__dirname, '..', '..', '..', '.local'),
    'auth',
    'local-signing-key.json',
  );

export interface LocalKeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Reads the local key pair, creating it first if no process has yet (exclusive create). */
export async function loadOrCreateLocalKeys(file = localKeyFile()): Promise<LocalKeyPair> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LocalKeyPair;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const pair: LocalKeyPair = {
    privateJwk: { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'carelog-local' },
    publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'carelog-local' },
  };
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, JSON.stringify(pair), { flag: 'wx', mode: 0o600 });
    return pair;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(await readFile(file, 'utf8')) as LocalKeyPair;
  }
}
