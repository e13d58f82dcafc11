// A real, certified OpenID provider (panva's oidc-provider) for the web app's sign-in tests,
// run as its own process because the package is ESM-only. Configured by TEST_OP (JSON):
// { port, issuer, kind, clients: [{ clientId, redirectUri, jwks }], accounts: { login: claims },
//   resourceScope }. Accounts sign in with any password at its development login page.
// Access tokens are JWTs for carelog's API: audience the client id (what carelog's
// TokenVerifier checks), with the account's claims (CIS2 roles or NHS login's NHS number).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.TEST_OP ?? '{}');
const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  format: 'jwk',
});
const claimsOf = (accountId) => config.accounts[accountId] ?? {};
const API = 'https://carelog.test/api';

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    client_id: client.clientId,
    redirect_uris: [client.redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: client.jwks,
  })),
  jwks: { keys: [{ ...signing, kid: 'op-signing', alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'profile', ...config.resourceScope.split(' ')],
  claims: { openid: ['sub'], profile: ['name'] },
  pkce: { required: () => true },
  findAccount: (_ctx, accountId) => ({
    accountId,
    claims: () => ({ sub: accountId, name: accountId }),
  }),
  extraTokenClaims: (_ctx, token) =>
    token.kind === 'AccessToken' ? claimsOf(token.accountId) : undefined,
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => API,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, _resource, client) => ({
        scope: config.resourceScope,
        audience: client.clientId,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});
provider.listen(config.port, () => console.log(`test OpenID provider ready at ${config.issuer}`));
