export {
  CLAIMS,
  isSourceSystem,
  type AnyCaller,
  type Caller,
  type SourceSystemCaller,
} from './caller';
export { AuthenticationError } from './auth-error';
export { TokenVerifier } from './token-verifier';
export {
  DEFAULT_ALGORITHMS,
  ISSUER_KINDS,
  localIssuerSettings,
  parseIssuerSettings,
  verifierSettingsFromEnv,
  type IssuerKind,
  type TrustedIssuer,
  type VerifierSettings,
} from './issuers';
export { NHS_LOGIN_ORGANISATION } from './caller-claims';
export {
  jobRoleCodeOf,
  jobRoleFor,
  jobRoleTableFromEnv,
  mapJobRole,
  parseJobRoleTable,
  type JobRoleRule,
  type JobRoleTable,
} from './cis2/cis2-roles';
export { signPlatformToken, type PlatformSigner, type PlatformTokenClaims } from './platform-token';
export {
  mintLocalCis2Token,
  mintLocalNhsLoginToken,
  mintLocalSystemToken,
  mintLocalToken,
  type LocalCis2TokenRequest,
  type LocalNhsLoginTokenRequest,
  type LocalSystemTokenRequest,
  type LocalTokenRequest,
} from './local-token';
export {
  loadOrCreateLocalKeys,
  LOCAL_ISSUERS,
  type LocalIssuerName,
  type LocalKeys,
} from './local-keys';
