import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { DomainError } from '@carelog/domain';
import { AuthenticationError } from './auth-error';
import { type AnyCaller, type Caller } from './caller';
import { callerFromCis2, callerFromNhsLogin, callerFromPlatformToken } from './caller-claims';
import { jobRoleTableFromEnv, type JobRoleTable } from './cis2/cis2-roles';
import type { TrustedIssuer, VerifierSettings } from './issuers';
import { cachedUntilMs, VerifiedTokenCache } from './verified-token-cache';

const FETCH_TIMEOUT_MS = 5_000;
/** Verified tokens remembered per process: a token is about a kilobyte, so a few megabytes. */
export const VERIFIED_TOKENS_MAX = 5_000;
/** A discovery document is read again after an hour (CIS2 suggests caching it up to an hour). */
const DISCOVERY_MAX_AGE_MS = 3_600_000;

/** An issuer's keys could not be fetched: the caller is not at fault (503, retry later). */
const issuerUnavailable = (): DomainError =>
  new DomainError(
    'issuer-unavailable',
    "the token issuer's keys could not be fetched; try again shortly",
    'Authorization',
  );

/**
 * One issuer's keys: fetched (via OIDC discovery when configured), cached, and fetched again on
 * an unknown `kid` at most once per cooldown, so rotation needs no restart and a stream of
 * made-up key ids cannot hammer the issuer.
 */
class IssuerKeys {
  private resolver: Promise<JWTVerifyGetKey> | undefined;
  private resolvedAt = 0;
  private failedAt = 0;

  constructor(
    private readonly trusted: TrustedIssuer,
    private readonly settings: VerifierSettings,
  ) {}

  readonly getKey: JWTVerifyGetKey = async (header, token) => (await this.resolve())(header, token);

  private resolve(): Promise<JWTVerifyGetKey> {
    const { keys } = this.trusted;
    if ('local' in keys) return Promise.resolve(keys.local);
    if (
      this.resolver &&
      !('discoveryUrl' in keys && Date.now() - this.resolvedAt > DISCOVERY_MAX_AGE_MS)
    )
      return this.resolver;
    if (Date.now() - this.failedAt < this.settings.jwksCooldownSeconds * 1000)
      return Promise.reject(issuerUnavailable());
    const remote = (url: string) =>
      createRemoteJWKSet(new URL(url), {
        cooldownDuration: this.settings.jwksCooldownSeconds * 1000,
        cacheMaxAge: this.settings.jwksCacheMaxAgeSeconds * 1000,
        timeoutDuration: FETCH_TIMEOUT_MS,
      });
    const attempt =
      'jwksUri' in keys
        ? Promise.resolve(remote(keys.jwksUri))
        : this.discover(keys.discoveryUrl).then(remote);
    const previous = this.resolver;
    this.resolvedAt = Date.now();
    // A failed refresh of the discovery document keeps the keys already known.
    const resolver = previous ? attempt.catch(() => previous) : attempt;
    this.resolver = resolver;
    resolver.catch(() => {
      if (this.resolver !== resolver) return;
      this.resolver = undefined;
      this.failedAt = Date.now();
    });
    return resolver;
  }

  /** The JWKS URL from the issuer's discovery document, which must name the same issuer. */
  private async discover(url: string): Promise<string> {
    let document: Record<string, unknown>;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
      document = (await response.json()) as Record<string, unknown>;
    } catch {
      throw issuerUnavailable();
    }
    const jwksUri = document['jwks_uri'];
    if (document['issuer'] !== this.trusted.issuer || typeof jwksUri !== 'string')
      throw issuerUnavailable();
    return jwksUri;
  }
}

const invalidToken = (
  why = 'the bearer token is not valid, has expired, or was not issued for carelog',
) => new AuthenticationError('invalid-token', why);

/**
 * A failure to reach the issuer, as opposed to a token that is wrong: jose reports what is wrong
 * with a token as its own errors; a refused connection or a time-out is the network's.
 */
const isFetchFailure = (error: unknown): boolean =>
  error instanceof errors.JWKSTimeout ||
  (error instanceof DomainError
    ? error.code === 'issuer-unavailable'
    : !(error instanceof errors.JOSEError));

/**
 * The one path every token takes (docs/architecture.md, "Who is calling"): its issuer must be one the
 * deployment trusts; the issuer's configured kind, never a claim, decides whether it is staff
 * (NHS CIS2), a patient or carer (NHS login) or a connected source system (the platform's token
 * endpoint); signature by that issuer's keys, an allowed asymmetric algorithm, `exp` required,
 * `iat` and `nbf` within the clock skew, `aud` the configured client.
 */
export class TokenVerifier {
  private readonly keys = new Map<string, IssuerKeys>();
  private readonly roles: JobRoleTable;
  /**
   * Signature, issuer, audience and times checked once per exact token, until its `exp`. A
   * remembered token is answered only while its issuer's keys, as jose resolves them now
   * (fetched again when stale, a retired kid gone), give the very key that verified it: a
   * rotation that retires the key refuses the token as before. What a caller is, and what it
   * may do, is still derived from the claims on every request.
   */
  private readonly verifiedTokens = new VerifiedTokenCache<Verified>(VERIFIED_TOKENS_MAX);

  constructor(
    private readonly settings: VerifierSettings,
    roles?: JobRoleTable,
  ) {
    this.roles = roles ?? jobRoleTableFromEnv();
    for (const trusted of settings.issuers)
      this.keys.set(trusted.issuer, new IssuerKeys(trusted, settings));
  }

  /** A person's token (staff, patient, carer); a source system's token is refused here. */
  async verify(authorization: string | undefined): Promise<Caller> {
    const caller = await this.verifyAny(authorization);
    if (caller.kind === 'source-system') {
      throw new DomainError(
        'person-required',
        'this route is for people signed in through NHS CIS2 or NHS login, not for source systems',
        'Authorization',
      );
    }
    return caller;
  }

  /** Any caller: a person, or a source system sending entries (application-restricted). */
  async verifyAny(authorization: string | undefined): Promise<AnyCaller> {
    if (!authorization)
      throw new AuthenticationError('missing-token', 'a bearer token is required');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1])
      throw new AuthenticationError(
        'invalid-token',
        'the Authorization header must be "Bearer <token>"',
      );
    const token = match[1];
    const { trusted, payload } = await this.verified(token);
    switch (trusted.kind) {
      case 'cis2':
        return callerFromCis2(payload, this.roles);
      case 'nhs-login':
        return callerFromNhsLogin(payload, actsAsCarer(trusted, payload));
      case 'source-system':
        return callerFromPlatformToken(payload);
    }
  }

  private async verified(token: string): Promise<{ trusted: TrustedIssuer; payload: JWTPayload }> {
    const cached = this.verifiedTokens.get(token);
    if (cached && (await stillSignedBy(cached))) return cached;
    const verifiedAtMs = Date.now();
    const verified = await this.verifiedAfresh(token);
    if (verified.key)
      this.verifiedTokens.set(
        token,
        verified as Verified,
        cachedUntilMs(verified.payload.exp, verifiedAtMs),
      );
    return verified;
  }

  private async verifiedAfresh(token: string): Promise<Partial<Verified> & Verifying> {
    let issuer: string | undefined;
    try {
      const { alg } = decodeProtectedHeader(token);
      if (typeof alg !== 'string' || alg.toLowerCase() === 'none') throw invalidToken();
      issuer = decodeJwt(token).iss;
    } catch {
      throw invalidToken();
    }
    const trusted = this.settings.issuers.find((candidate) => candidate.issuer === issuer);
    const keys = trusted && this.keys.get(trusted.issuer);
    if (!trusted || !keys)
      throw invalidToken('the bearer token was not issued by an issuer carelog trusts');
    let payload: JWTPayload;
    // The key that verified the token, and what resolved it, for `stillSignedBy`.
    let used: Pick<Verified, 'header' | 'input' | 'key'> | undefined;
    const getKey: JWTVerifyGetKey = async (header, input) => {
      const key = await keys.getKey(header, input);
      used = { header, input, key };
      return key;
    };
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: trusted.issuer,
        audience: trusted.carerAudience
          ? [trusted.audience, trusted.carerAudience]
          : trusted.audience,
        algorithms: [...trusted.algorithms],
        clockTolerance: this.settings.clockSkewSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (isFetchFailure(error)) throw issuerUnavailable();
      throw invalidToken();
    }
    // jose checks `iat` only against a maximum age; a token from the future is refused here.
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > now + this.settings.clockSkewSeconds)
      throw invalidToken('the bearer token was issued in the future');
    return { trusted, payload, ...used, keys };
  }
}

type Verifying = { trusted: TrustedIssuer; payload: JWTPayload };
type Verified = Verifying & {
  keys: IssuerKeys;
  header: Parameters<JWTVerifyGetKey>[0];
  input: Parameters<JWTVerifyGetKey>[1];
  key: Awaited<ReturnType<JWTVerifyGetKey>>;
};

/** Whether the issuer's keys, resolved now as for a fresh verification, still give this key. */
async function stillSignedBy(verified: Verified): Promise<boolean> {
  try {
    return (await verified.keys.getKey(verified.header, verified.input)) === verified.key;
  } catch {
    return false;
  }
}

/** NHS login: the client the person signed in through says whether they act as a carer. */
function actsAsCarer(trusted: TrustedIssuer, payload: JWTPayload): boolean {
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const asCarer = trusted.carerAudience !== undefined && audiences.includes(trusted.carerAudience);
  if (asCarer && audiences.includes(trusted.audience))
    throw invalidToken(
      'an NHS login token must be for the patient client or the carer client, not both',
    );
  return asCarer;
}
