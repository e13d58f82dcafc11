import { join, resolve } from 'node:path';

/** The repository root: infra/local/src is three levels below it. */
export const repoRoot = resolve(__dirname, '..', '..', '..');

/** Server data and logs; git-ignored, removable at any time with the servers stopped. */
export const localStateDir = process.env['CARELOG_LOCAL_DIR'] ?? join(repoRoot, '.local');

/** Downloaded artefacts (Kafka jars, the Maven repository they came from); git-ignored. */
export const cacheDir = process.env['CARELOG_CACHE_DIR'] ?? join(repoRoot, '.cache');
