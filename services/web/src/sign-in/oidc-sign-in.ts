import { EncryptJWT, jwtDecrypt } from 'jose';
import { custom, errors, generators, Issuer, type BaseClient } from 'openid-client';
import type { Caller, TokenVerifier } from '@carelog/auth';
import type { OidcSettings, SignInIssuer } from './oidc-settings';

/** What a sign-in in progress keeps, sealed in its own short-lived cookie in this browser. */
interface PendingSignIn {
  issuer: string;
  state: string;
  nonce: string;
  verifier: string;
}

export const PENDING_COOKIE = 'carelog_sign_in';
/** Ten minutes to sign in at the issuer; after that, start again. */
export const PENDING_SECONDS = 600;

/** Why a sign-in failed, in words a person understands (never the issuer's own message). */
export type SignInFailure =
  'cancelled' | 'no-sign-in-in-progress' | 'not-accepted' | 'issuer-unavailable' | 'not-permitted';

export class SignInError extends Error {
  constructor(readonly reason: SignInFailure) {
    super(reason);
  }
}

custom.setHttpOptionsDefaults({ timeout: 10_000 });

/**
 * OpenID Connect authorisation code flow with PKCE (S256), `openid-client` v5 (CommonJS; v6 is
 * ESM-only, which the Jest and swc set-up here cannot load): state, nonce and the code verifier
 * live only in an encrypted HttpOnly cookie bound to the browser, used once; the callback
 * checks state, exchanges the code with the verifier and the web app's client authentication,
 * and validates the ID token (signature by the issuer's keys, iss, aud, nonce, exp). The access
 * token must then pass the same `TokenVerifier` the APIs use, which says who the person is.
 */
export class OidcSignIn {
  private readonly clients = new Map<string, Promise<BaseClient>>();
  /** States already used here: a replayed callback is refused even with its cookie. */
  private readonly used = new Map<string, number>();

  constructor(
    readonly settings: OidcSettings,
    private readonly verifier: TokenVerifier,
    private readonly key: Uint8Array,
  ) {}

  issuer(id: string): SignInIssuer | undefined {
    return this.settings.issuers.find((issuer) => issuer.id === id);
  }

  private client(issuer: SignInIssuer): Promise<BaseClient> {
    let client = this.clients.get(issuer.id);
    if (!client) {
      client = Issuer.discover(issuer.discoveryUrl).then((discovered) => {
        if (discovered.metadata.issuer !== issuer.issuer)
          throw new Error('the discovery document names another issuer');
        return new discovered.Client(
          {
            client_id: issuer.clientId,
            redirect_uris: [this.settings.redirectUri],
            response_types: ['code'],
            token_endpoint_auth_method: issuer.clientAuth,
            ...(issuer.clientSecret ? { client_secret: issuer.clientSecret } : {}),
          },
          issuer.clientAuth === 'private_key_jwt' && this.settings.clientKey
            ? { keys: [this.settings.clientKey] }
            : undefined,
        );
      });
      // A failed discovery is tried again next time (the issuer may be back).
      client.catch(() => this.clients.delete(issuer.id));
      this.clients.set(issuer.id, client);
    }
    return client;
  }

  /** The issuer's authorisation URL and the sealed pending sign-in for this browser's cookie. */
  async start(issuer: SignInIssuer): Promise<{ url: string; pending: string }> {
    let client: BaseClient;
    try {
      client = await this.client(issuer);
    } catch {
      throw new SignInError('issuer-unavailable');
    }
    const pending: PendingSignIn = {
      issuer: issuer.id,
      state: generators.state(),
      nonce: generators.nonce(),
      verifier: generators.codeVerifier(),
    };
    const url = client.authorizationUrl({
      ...issuer.authorizationParams,
      scope: issuer.scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: generators.codeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    const sealed = await new EncryptJWT({ pending })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${PENDING_SECONDS}s`)
      .encrypt(this.key);
    return { url, pending: sealed };
  }

  /** The callback: the person's access token and who the platform says they are. */
  async finish(
    sealed: string | undefined,
    params: Record<string, string>,
  ): Promise<{ token: string; caller: Caller }> {
    if (params['error'] === 'access_denied') throw new SignInError('cancelled');
    const pending = await this.open(sealed);
    if (!pending || typeof params['state'] !== 'string' || params['state'] !== pending.state)
      throw new SignInError('no-sign-in-in-progress');
    this.forgetOld();
    if (this.used.has(pending.state)) throw new SignInError('no-sign-in-in-progress');
    this.used.set(pending.state, Date.now() + PENDING_SECONDS * 1000);
    const issuer = this.issuer(pending.issuer);
    if (!issuer) throw new SignInError('no-sign-in-in-progress');
    if (params['error']) throw new SignInError('not-accepted');
    let token: string | undefined;
    try {
      const client = await this.client(issuer);
      const tokens = await client.callback(this.settings.redirectUri, params, {
        response_type: 'code',
        state: pending.state,
        nonce: pending.nonce,
        code_verifier: pending.verifier,
      });
      token = tokens.access_token;
    } catch (error) {
      if (error instanceof errors.OPError || error instanceof errors.RPError)
        throw new SignInError('not-accepted');
      throw new SignInError('issuer-unavailable');
    }
    if (!token) throw new SignInError('not-accepted');
    try {
      return { token, caller: await this.verifier.verify(`Bearer ${token}`) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'issuer-unavailable') throw new SignInError('issuer-unavailable');
      if (code === 'invalid-token' || code === 'missing-token')
        throw new SignInError('not-accepted');
      throw new SignInError('not-permitted');
    }
  }

  private async open(sealed: string | undefined): Promise<PendingSignIn | undefined> {
    if (!sealed) return undefined;
    try {
      const { payload } = await jwtDecrypt(sealed, this.key);
      const pending = payload['pending'] as PendingSignIn | undefined;
      return pending && typeof pending.state === 'string' ? pending : undefined;
    } catch {
      return undefined;
    }
  }

  private forgetOld(): void {
    const now = Date.now();
    for (const [state, until] of this.used) if (until < now) this.used.delete(state);
  }
}

export const OIDC_SIGN_IN = Symbol('OIDC_SIGN_IN');
