import {
  checkSettingsFor,
  InvalidSettingError,
  rawSettings,
  refusal,
  SETTINGS,
  setting,
  settingsOf,
  type SettingName,
} from './index';

describe('setting', () => {
  it('gives the declared default when the variable is unset or empty', () => {
    expect(setting('CARELOG_CLAIM_HOURS', {})).toBe(24);
    expect(setting('CARELOG_CLAIM_HOURS', { CARELOG_CLAIM_HOURS: '' })).toBe(24);
    expect(setting('CARELOG_TOPIC_PREFIX', {})).toBe('carelog');
    expect(setting('KAFKA_BROKERS', {})).toEqual(['127.0.0.1:19092']);
    expect(setting('CARELOG_LOG_LEVEL', {})).toBe('info');
    expect(setting('CARELOG_WEB_SECURE_COOKIE', {})).toBeUndefined();
    expect(setting('CARELOG_ANALYTICS_PSEUDONYM_KEY', {})).toBeUndefined();
  });

  it('parses each kind of value', () => {
    expect(setting('CARELOG_CLAIM_HOURS', { CARELOG_CLAIM_HOURS: '0.5' })).toBe(0.5);
    expect(setting('RECORD_API_PORT', { RECORD_API_PORT: '4100' })).toBe(4100);
    expect(setting('CARELOG_LOG_LEVEL', { CARELOG_LOG_LEVEL: 'WARN' })).toBe('warn');
    expect(setting('KAFKA_BROKERS', { KAFKA_BROKERS: ' 127.0.0.1:1 , 127.0.0.1:2,' })).toEqual([
      '127.0.0.1:1',
      '127.0.0.1:2',
    ]);
    expect(setting('CARELOG_WEB_SECURE_COOKIE', { CARELOG_WEB_SECURE_COOKIE: 'off' })).toBe(false);
    expect(setting('CARELOG_WEB_SECURE_COOKIE', { CARELOG_WEB_SECURE_COOKIE: 'on' })).toBe(true);
    expect(setting('CARELOG_IDENTITY_URL', { CARELOG_IDENTITY_URL: 'https://id.example/' })).toBe(
      'https://id.example',
    );
    expect(
      setting('CARELOG_BREAK_GLASS_REFUSALS_ALERT', { CARELOG_BREAK_GLASS_REFUSALS_ALERT: '0' }),
    ).toBe(0);
  });

  it.each([
    [
      'CARELOG_CLAIM_HOURS',
      'abc',
      'CARELOG_CLAIM_HOURS must be a positive number of at most 744 (got "abc")',
    ],
    [
      'CARELOG_CLAIM_HOURS',
      '745',
      'CARELOG_CLAIM_HOURS must be a positive number of at most 744 (got "745")',
    ],
    [
      'CARELOG_WEBHOOK_BATCH',
      '2.5',
      'CARELOG_WEBHOOK_BATCH must be a positive whole number (got "2.5")',
    ],
    ['RECORD_API_PORT', '70000', 'RECORD_API_PORT must be a port (1 to 65535) (got "70000")'],
    [
      'CARELOG_LOG_LEVEL',
      'loud',
      'CARELOG_LOG_LEVEL must be one of debug, info, warn, error (got "loud")',
    ],
    [
      'CARELOG_TASK_MAX_ESCALATIONS',
      '11',
      'CARELOG_TASK_MAX_ESCALATIONS must be a whole number from 0 to 10 (got "11")',
    ],
    [
      'CARELOG_WEB_BASE_URL',
      'carelog.example',
      'CARELOG_WEB_BASE_URL must be an http(s) URL (got "carelog.example")',
    ],
    ['CARELOG_ISSUERS', '{not json', 'CARELOG_ISSUERS must be JSON (got "{not json")'],
  ] as const)('refuses %s=%s with one line naming it', (name, value, message) => {
    expect(() => setting(name as SettingName, { [name]: value })).toThrow(
      new InvalidSettingError(name, message),
    );
  });

  it("never repeats a secret's value in a refusal", () => {
    const key = 'c2hvcnQtYW5kLXNlY3JldA';
    expect(() => setting('CARELOG_WEB_SESSION_KEY', { CARELOG_WEB_SESSION_KEY: key })).toThrow(
      new InvalidSettingError(
        'CARELOG_WEB_SESSION_KEY',
        'CARELOG_WEB_SESSION_KEY must be 32 bytes, base64url-encoded',
      ),
    );
    expect(() =>
      checkSettingsFor('web', { CARELOG_WEB_SESSION_KEY: key, CARELOG_WEB_SESSION_MINUTES: 'x' }),
    ).toThrow(
      'CARELOG_WEB_SESSION_KEY must be 32 bytes, base64url-encoded; CARELOG_WEB_SESSION_MINUTES must be a positive number (got "x")',
    );
    for (const [name, declaration] of Object.entries(SETTINGS))
      if ('secret' in declaration)
        expect(refusal(name as SettingName, 'the-secret-value')).not.toContain('the-secret-value');
  });

  it('gives a valid key as its bytes', () => {
    const key = Buffer.alloc(32, 7).toString('base64url');
    expect(setting('CARELOG_WEB_SESSION_KEY', { CARELOG_WEB_SESSION_KEY: key })).toEqual(
      new Uint8Array(32).fill(7),
    );
  });
});

describe('checkSettingsFor', () => {
  it('passes with nothing set (every default is valid)', () => {
    for (const service of ['record-api', 'web', 'identity', 'notifications', 'gp-records'])
      expect(() => checkSettingsFor(service, {})).not.toThrow();
  });

  it("checks the platform's settings and the service's own, not another service's", () => {
    expect(settingsOf('record-api')).toEqual(
      expect.arrayContaining(['KAFKA_BROKERS', 'CARELOG_CLAIM_HOURS', 'CARELOG_AUDIT_SCHEMA']),
    );
    expect(settingsOf('record-api')).not.toContain('CARELOG_WEBHOOK_BATCH');
    expect(() => checkSettingsFor('record-api', { CARELOG_WEBHOOK_BATCH: 'x' })).not.toThrow();
    expect(() => checkSettingsFor('notifications', { CARELOG_WEBHOOK_BATCH: 'x' })).toThrow(
      'CARELOG_WEBHOOK_BATCH must be a positive whole number (got "x")',
    );
  });

  it('names every wrong setting in one line', () => {
    let thrown: unknown;
    try {
      checkSettingsFor('record-api', { CARELOG_CLAIM_HOURS: '0', CARELOG_LOG_LEVEL: 'loud' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSettingError);
    const { message, setting: names } = thrown as InvalidSettingError;
    expect(message).not.toContain('\n');
    expect(names).toBe('CARELOG_LOG_LEVEL, CARELOG_CLAIM_HOURS');
    expect(message).toBe(
      'CARELOG_LOG_LEVEL must be one of debug, info, warn, error (got "loud"); CARELOG_CLAIM_HOURS must be a positive number of at most 744 (got "0")',
    );
  });

  it('refuses a process with no declared settings', () => {
    expect(() => checkSettingsFor('no-such-service', {})).toThrow('no settings are declared');
  });
});

describe('rawSettings', () => {
  it('gives the set ones as text, for rules that parse their own', () => {
    expect(
      rawSettings(['CARELOG_TASK_MAX_ESCALATIONS', 'CARELOG_TASK_ESCALATION_ROLES'], {
        CARELOG_TASK_MAX_ESCALATIONS: '2',
        CARELOG_TASK_ESCALATION_ROLES: '',
      }),
    ).toEqual({ CARELOG_TASK_MAX_ESCALATIONS: '2' });
  });
});
