export { CLAIMS, type Caller } from './caller';
export { AuthenticationError } from './auth-error';
export { TokenVerifier, verifierSettingsFromEnv, type VerifierSettings } from './token-verifier';
export { mintLocalToken, type LocalTokenRequest } from './local-token';
export { loadOrCreateLocalKeys, LOCAL_AUDIENCE, LOCAL_ISSUER } from './local-keys';
