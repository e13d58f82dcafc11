import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';

interface IssuerKey {
  kid: string;
  alg: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

export interface SignOptions {
  kid?: string;
  /** Sign with this key instead of the issuer's own (a forger's key). */
  key?: KeyLike;
  alg?: string;
  issuer?: string;
  audience?: string | string[];
  /** Seconds from now; `null` leaves `exp` out. */
  expiresIn?: number | null;
  /** Seconds from now (negative: in the past). */
  issuedAt?: number;
  notBefore?: number;
}

/**
 * A real OIDC issuer on a local HTTP port for tests: a discovery document and a JWKS whose keys
 * can be rotated, counting how often its keys were fetched.
 */
export class TestIssuer {
  jwksFetches = 0;
  private keys: IssuerKey[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** What the discovery document names as issuer (normally `url`). */
    public discoveryIssuer: string,
  ) {}

  static async start(): Promise<TestIssuer> {
    const started: { issuer?: TestIssuer } = {};
    const server = createServer((request, response) => {
      const issuer = started.issuer;
      response.setHeader('Content-Type', 'application/json');
      if (!issuer) return void response.writeHead(503).end('{}');
      if (request.url === '/.well-known/openid-configuration') {
        response.end(
          JSON.stringify({ issuer: issuer.discoveryIssuer, jwks_uri: `${issuer.url}/jwks` }),
        );
      } else if (request.url === '/jwks') {
        issuer.jwksFetches += 1;
        response.end(JSON.stringify({ keys: issuer.keys.map((key) => key.publicJwk) }));
      } else {
        response.writeHead(404).end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const issuer = new TestIssuer(server, url, url);
    started.issuer = issuer;
    await issuer.addKey();
    return issuer;
  }

  get jwksUri(): string {
    return `${this.url}/jwks`;
  }

  get currentKid(): string {
    return this.keys[this.keys.length - 1]?.kid ?? '';
  }

  /** Publishes a new key, which signs from now on; returns its kid. */
  async addKey(alg = 'RS256'): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const kid = randomUUID();
    this.keys.push({
      kid,
      alg,
      privateKey,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    });
    return kid;
  }

  /** Stops publishing a key (the end of a rotation). */
  retire(kid: string): void {
    this.keys = this.keys.filter((key) => key.kid !== kid);
  }

  privateKeyOf(kid: string): KeyLike | undefined {
    return this.keys.find((key) => key.kid === kid)?.privateKey;
  }

  sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
    const own = this.keys.find((key) => key.kid === (options.kid ?? this.currentKid));
    const key = options.key ?? own?.privateKey;
    if (!key) throw new Error('no such key');
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({
        alg: options.alg ?? own?.alg ?? 'RS256',
        kid: options.kid ?? this.currentKid,
      })
      .setIssuer(options.issuer ?? this.url)
      .setAudience(options.audience ?? 'carelog-test')
      .setIssuedAt(now + (options.issuedAt ?? 0));
    if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
    if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
    return jwt.sign(key);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An unsigned token (`alg: none`) with the given header and claims. */
export function unsignedToken(header: Record<string, unknown>, claims: JWTPayload): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ ...header, alg: 'none' })}.${encode(claims)}.`;
}
