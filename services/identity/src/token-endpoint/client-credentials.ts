import { DEFAULT_ALGORITHMS, signPlatformToken, type PlatformSigner } from '@carelog/auth';
import { DomainError } from '@carelog/domain';
import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import type { ConnectedSystem } from './connected-systems';
import type { UsedAssertions } from './used-assertions';

export const CLIENT_CREDENTIALS = 'client_credentials';
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An assertion may be valid for at most this long (as NHS APIs' application-restricted pattern asks). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

export interface TokenEndpointSettings {
  signer: PlatformSigner;
  /** The endpoint's own URL: the `aud` every client assertion must carry. */
  endpointUrl: string;
  tokenLifetimeSeconds: number;
  clockSkewSeconds: number;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

const invalidClient = (why: string) =>
  new DomainError('invalid-client', `client authentication failed: ${why}`, 'client_assertion');

const field = (form: Record<string, unknown>, name: string): string | undefined => {
  const value = form[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/**
 * OAuth 2 client credentials with a signed JWT client assertion (RFC 7523): the client must be
 * registered; the assertion signed by its key, with iss = sub = its client id, aud = this
 * endpoint, a short `exp` and a `jti` never used before. The token it gets names the
 * organisation and entry types the registry gives it.
 */
export async function exchangeClientAssertion(
  form: Record<string, unknown>,
  registry: ReadonlyMap<string, ConnectedSystem>,
  used: UsedAssertions,
  settings: TokenEndpointSettings,
): Promise<IssuedToken> {
  if (field(form, 'grant_type') !== CLIENT_CREDENTIALS)
    throw new DomainError(
      'unsupported-grant-type',
      `grant_type must be ${CLIENT_CREDENTIALS}`,
      'grant_type',
    );
  if (field(form, 'client_assertion_type') !== JWT_BEARER_ASSERTION)
    throw new DomainError(
      'invalid-request',
      `client_assertion_type must be ${JWT_BEARER_ASSERTION}`,
      'client_assertion_type',
    );
  const assertion = field(form, 'client_assertion');
  if (!assertion)
    throw new DomainError('invalid-request', 'client_assertion is required', 'client_assertion');
  let claimed: JWTPayload;
  try {
    claimed = decodeJwt(assertion);
  } catch {
    throw invalidClient('the assertion is not a JWT');
  }
  const system = typeof claimed.iss === 'string' ? registry.get(claimed.iss) : undefined;
  if (!system) throw invalidClient('unknown client');
  const named = field(form, 'client_id');
  if (named !== undefined && named !== system.clientId)
    throw invalidClient('client_id does not match the assertion');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, system.keys, {
      issuer: system.clientId,
      subject: system.clientId,
      audience: settings.endpointUrl,
      algorithms: DEFAULT_ALGORITHMS,
      clockTolerance: settings.clockSkewSeconds,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch {
    throw invalidClient(
      'the assertion is not signed by the client, is expired, or is not for this endpoint',
    );
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0)
    throw invalidClient('the assertion needs a jti');
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp ?? 0;
  if (exp - now > MAX_ASSERTION_LIFETIME_SECONDS + settings.clockSkewSeconds)
    throw invalidClient(
      `the assertion must expire within ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`,
    );
  if (typeof payload.iat === 'number' && payload.iat > now + settings.clockSkewSeconds)
    throw invalidClient('the assertion was issued in the future');
  if (!(await used.claim(system.clientId, payload.jti, new Date(exp * 1000))))
    throw invalidClient('the assertion was used before (jti)');
  const accessToken = await signPlatformToken(
    settings.signer,
    {
      clientId: system.clientId,
      organisation: system.organisation,
      entryTypes: system.entryTypes,
      systemName: system.name,
    },
    `${settings.tokenLifetimeSeconds}s`,
  );
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: settings.tokenLifetimeSeconds,
  };
}
