import { webSettingsFromEnv } from './web-settings';

describe('web app settings', () => {
  it('finds the services on their local ports, shifted by CARELOG_PORT_OFFSET', () => {
    const settings = webSettingsFromEnv({
      CARELOG_AUTH_MODE: 'local',
      CARELOG_PORT_OFFSET: '3000',
    });
    expect(settings.upstreams['record-api']).toBe('http://127.0.0.1:6100');
    expect(settings.upstreams['social-care']).toBe('http://127.0.0.1:6102');
    expect(settings.localSignIn).toBe(true);
    expect(settings.secureCookie).toBe(false);
  });

  it('needs a session key outside local mode, and sends the cookie over HTTPS only', () => {
    expect(() => webSettingsFromEnv({})).toThrow('CARELOG_WEB_SESSION_KEY is required');
    const key = Buffer.alloc(32, 7).toString('base64url');
    const settings = webSettingsFromEnv({
      CARELOG_WEB_SESSION_KEY: key,
      CARELOG_WEB_RECORD_API_URL: 'https://record.example/',
    });
    expect(settings.localSignIn).toBe(false);
    expect(settings.secureCookie).toBe(true);
    expect(settings.upstreams['record-api']).toBe('https://record.example');
    expect(() => webSettingsFromEnv({ CARELOG_WEB_SESSION_KEY: 'short' })).toThrow('32 bytes');
  });
});
