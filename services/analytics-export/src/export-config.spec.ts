import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportConfigFromEnv } from './export-config';

describe('the export configuration', () => {
  const key = 'a-consumer-key-of-at-least-32-characters';

  it('refuses to start without a pseudonymisation key outside local mode', async () => {
    await expect(exportConfigFromEnv({ CARELOG_AUTH_MODE: 'jwks' })).rejects.toMatchObject({
      code: 'missing-pseudonym-key',
      field: 'CARELOG_ANALYTICS_PSEUDONYM_KEY',
    });
  });

  it('refuses a short key and an unknown date precision', async () => {
    await expect(
      exportConfigFromEnv({ CARELOG_ANALYTICS_PSEUDONYM_KEY: 'short' }),
    ).rejects.toMatchObject({ code: 'weak-pseudonym-key' });
    await expect(
      exportConfigFromEnv({
        CARELOG_ANALYTICS_PSEUDONYM_KEY: key,
        CARELOG_ANALYTICS_DATE_PRECISION: 'hour',
      }),
    ).rejects.toMatchObject({ code: 'invalid-date-precision' });
  });

  it('defaults to month precision', async () => {
    const config = await exportConfigFromEnv({ CARELOG_ANALYTICS_PSEUDONYM_KEY: key });
    expect(config.precision).toBe('month');
    expect(config.consumerGroup).toBe('carelog-analytics-export');
  });

  it('in local mode, generates a key into the local folder once and keeps using it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carelog-analytics-key-'));
    const previous = process.env['CARELOG_LOCAL_DIR'];
    process.env['CARELOG_LOCAL_DIR'] = dir;
    try {
      const first = await exportConfigFromEnv({ CARELOG_AUTH_MODE: 'local' });
      const second = await exportConfigFromEnv({ CARELOG_AUTH_MODE: 'local' });
      expect(second.key.keyId).toBe(first.key.keyId);
      expect(readFileSync(join(dir, 'analytics', 'pseudonym-key'), 'utf8')).toMatch(
        /^[0-9a-f]{64}$/,
      );
    } finally {
      if (previous === undefined) delete process.env['CARELOG_LOCAL_DIR'];
      else process.env['CARELOG_LOCAL_DIR'] = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
