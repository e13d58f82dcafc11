import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DomainError } from '@carelog/domain';
import { CONSUMER_GROUPS } from '@carelog/kafka';
import { DATE_PRECISIONS, type DatePrecision } from './pseudonymised-entry/coarse-dates';
import { PseudonymKey } from './pseudonymised-entry/pseudonym-key';

export const DEFAULT_CONSUMER_GROUP = CONSUMER_GROUPS.analyticsExport;
/**
 * The longest a producer may take from stamping recordedAt to the broker's acknowledgement,
 * plus clock skew between hosts: the producers give up a send after well under 30 s.
 */
export const DEFAULT_PUBLISH_MARGIN_MS = 30_000;

export interface ExportConfig {
  key: PseudonymKey;
  precision: DatePrecision;
  consumerGroup: string;
  publishMarginMs: number;
}

/** Local mode only: a key generated once into .local/analytics/, like the local signing key. */
export const localPseudonymKeyFile = (): string =>
  join(
    process.env['CARELOG_LOCAL_DIR'] ?? resolve(__dirname, '..', '..', '..', '.local'),
    'analytics',
    'pseudonym-key',
  );

async function loadOrCreateLocalKey(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  const key = randomBytes(32).toString('hex');
  try {
    await writeFile(file, key, { flag: 'wx', mode: 0o600 });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(file, 'utf8')).trim();
  }
}

/**
 * The export's settings. Without CARELOG_ANALYTICS_PSEUDONYM_KEY it refuses to start, except
 * in local mode (CARELOG_AUTH_MODE=local), where a key is generated into .local/.
 */
export async function exportConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExportConfig> {
  let secret = env['CARELOG_ANALYTICS_PSEUDONYM_KEY'];
  if (!secret) {
    if (env['CARELOG_AUTH_MODE'] !== 'local') {
      throw new DomainError(
        'missing-pseudonym-key',
        'CARELOG_ANALYTICS_PSEUDONYM_KEY is not set: the analytics export will not start without the consumer key',
        'CARELOG_ANALYTICS_PSEUDONYM_KEY',
      );
    }
    secret = await loadOrCreateLocalKey(localPseudonymKeyFile());
  }
  const precision = env['CARELOG_ANALYTICS_DATE_PRECISION'] ?? 'month';
  if (!(DATE_PRECISIONS as readonly string[]).includes(precision)) {
    throw new DomainError(
      'invalid-date-precision',
      `must be one of ${DATE_PRECISIONS.join(', ')}`,
      'CARELOG_ANALYTICS_DATE_PRECISION',
    );
  }
  const margin = Number(env['CARELOG_ANALYTICS_PUBLISH_MARGIN_MS'] ?? DEFAULT_PUBLISH_MARGIN_MS);
  if (!Number.isInteger(margin) || margin < 0) {
    throw new DomainError(
      'invalid-publish-margin',
      'must be a whole number of milliseconds',
      'CARELOG_ANALYTICS_PUBLISH_MARGIN_MS',
    );
  }
  return {
    key: new PseudonymKey(secret),
    precision: precision as DatePrecision,
    consumerGroup: env['CARELOG_ANALYTICS_CONSUMER_GROUP'] ?? DEFAULT_CONSUMER_GROUP,
    publishMarginMs: margin,
  };
}
