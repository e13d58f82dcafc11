import { oidcSettingsFromEnv } from './oidc-settings';

const issuers = {
  issuers: [
    { kind: 'cis2', issuer: 'https://cis2.example', audience: 'staff-client', discovery: true },
    {
      kind: 'nhs-login',
      issuer: 'https://login.example',
      audience: 'patient-client',
      carerAudience: 'carer-client',
      jwksUri: 'https://login.example/jwks',
      signIn: { scope: 'openid profile email' },
    },
    {
      kind: 'source-system',
      issuer: 'https://platform.example',
      audience: 'carelog',
      discovery: true,
    },
  ],
};

describe('web sign-in settings', () => {
  const env = {
    CARELOG_ISSUERS: JSON.stringify(issuers),
    CARELOG_WEB_BASE_URL: 'https://carelog.example/',
  };

  it('offers a button per CIS2 and NHS login client, from the issuers the APIs trust', () => {
    const settings = oidcSettingsFromEnv({
      ...env,
      CARELOG_ISSUERS: JSON.stringify({
        issuers: issuers.issuers.map((issuer) => ({
          ...issuer,
          signIn: {
            ...('signIn' in issuer ? issuer.signIn : {}),
            clientAuth: 'client_secret_post',
            clientSecretFile: __filename,
          },
        })),
      }),
    });
    expect(settings?.redirectUri).toBe('https://carelog.example/sign-in/callback');
    expect(
      settings?.issuers.map(({ id, label, clientId, scope, discoveryUrl }) => ({
        id,
        label,
        clientId,
        scope,
        discoveryUrl,
      })),
    ).toEqual([
      {
        id: '0',
        label: 'Sign in with NHS CIS2',
        clientId: 'staff-client',
        scope: 'openid profile nationalrbacaccess selectedrole',
        discoveryUrl: 'https://cis2.example/.well-known/openid-configuration',
      },
      {
        id: '1',
        label: 'Sign in with NHS login',
        clientId: 'patient-client',
        scope: 'openid profile email',
        discoveryUrl: 'https://login.example/.well-known/openid-configuration',
      },
      {
        id: '1-carer',
        label: 'Sign in with NHS login as a carer',
        clientId: 'carer-client',
        scope: 'openid profile email',
        discoveryUrl: 'https://login.example/.well-known/openid-configuration',
      },
    ]);
    expect(settings?.issuers[1]?.authorizationParams['vtr']).toBe(
      '["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]',
    );
  });

  it('is off in local mode or without a base URL, and needs a key for private_key_jwt', () => {
    expect(oidcSettingsFromEnv({ ...env, CARELOG_AUTH_MODE: 'local' })).toBeUndefined();
    expect(oidcSettingsFromEnv({ CARELOG_ISSUERS: env.CARELOG_ISSUERS })).toBeUndefined();
    expect(() => oidcSettingsFromEnv(env)).toThrow('CARELOG_WEB_OIDC_KEY_FILE');
  });
});
