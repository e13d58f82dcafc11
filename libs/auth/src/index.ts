export {
  CLAIMS,
  isSourceSystem,
  type AnyCaller,
  type Caller,
  type SourceSystemCaller,
} from './caller';
export { AuthenticationError } from './auth-error';
export { TokenVerifier, verifierSettingsFromEnv, type VerifierSettings } from './token-verifier';
export {
  mintLocalSystemToken,
  mintLocalToken,
  type LocalSystemTokenRequest,
  type LocalTokenRequest,
} from './local-token';
export { loadOrCreateLocalKeys, LOCAL_AUDIENCE, LOCAL_ISSUER } from './local-keys';
