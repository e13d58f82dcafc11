import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  InvalidSettingError,
  setting,
  type Environment,
  type SettingName,
  type SettingValue,
} from '@carelog/config';
import { DomainError } from '@carelog/domain';
import type { DatePrecision } from './pseudonymised-entry/coarse-dates';
import { PseudonymKey } from './pseudonymised-entry/pseudonym-key';

export const DEFAULT_CONSUMER_GROUP = setting('CARELOG_ANALYTICS_CONSUMER_GROUP', {});
/**
 * The longest a producer may take from stamping recordedAt to the broker's acknowledgement,
 * plus clock skew between hosts: the producers give up a send after well under 30 s.
 */
export const DEFAULT_PUBLISH_MARGIN_MS = setting('CARELOG_ANALYTICS_PUBLISH_MARGIN_MS', {});

export interface ExportConfig {
  key: PseudonymKey;
  precision: DatePrecision;
  consumerGroup: string;
  publishMarginMs: number;
}

/** Local mode only: a key generated once into .local/analytics/, like the local signing key. */
export const localPseudonymKeyFile = (): string =>
  join(setting('CARELOG_LOCAL_DIR'), 'analytics', 'pseudonym-key');

/** A setting of the export, refused with the export's own problem code. */
function exportSetting<N extends SettingName>(
  name: N,
  env: Environment | undefined,
  code: string,
): SettingValue<N> {
  try {
    return setting(name, env);
  } catch (error) {
    if (error instanceof InvalidSettingError) throw new DomainError(code, error.message, name);
    throw error;
  }
}

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
export async function exportConfigFromEnv(env?: Environment): Promise<ExportConfig> {
  let secret = setting('CARELOG_ANALYTICS_PSEUDONYM_KEY', env);
  if (!secret) {
    if (setting('CARELOG_AUTH_MODE', env) !== 'local') {
      throw new DomainError(
        'missing-pseudonym-key',
        'CARELOG_ANALYTICS_PSEUDONYM_KEY is not set: the analytics export will not start without the consumer key',
        'CARELOG_ANALYTICS_PSEUDONYM_KEY',
      );
    }
    secret = await loadOrCreateLocalKey(localPseudonymKeyFile());
  }
  const precision: DatePrecision = exportSetting(
    'CARELOG_ANALYTICS_DATE_PRECISION',
    env,
    'invalid-date-precision',
  );
  return {
    key: new PseudonymKey(secret),
    precision,
    consumerGroup: setting('CARELOG_ANALYTICS_CONSUMER_GROUP', env),
    publishMarginMs: exportSetting(
      'CARELOG_ANALYTICS_PUBLISH_MARGIN_MS',
      env,
      'invalid-publish-margin',
    ),
  };
}
