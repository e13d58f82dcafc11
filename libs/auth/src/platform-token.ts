import { randomUUID } from 'node:crypto';
import { SignJWT, type KeyLike } from 'jose';
import { CLAIMS } from './caller';

/** What the platform token endpoint says about a connected source system. */
export interface PlatformTokenClaims {
  clientId: string;
  /** ODS code of the organisation the system serves. */
  organisation: string;
  entryTypes: readonly string[];
  systemName: string;
}

export interface PlatformSigner {
  key: KeyLike | Uint8Array;
  kid: string;
  alg: string;
  issuer: string;
  audience: string;
}

/**
 * The access token the platform issues to a source system (and local mode mints), verified by
 * every service through the same TokenVerifier path as people's tokens.
 */
export function signPlatformToken(
  signer: PlatformSigner,
  claims: PlatformTokenClaims,
  expiresIn: string | number,
): Promise<string> {
  return new SignJWT({
    client_id: claims.clientId,
    [CLAIMS.organisation]: claims.organisation,
    [CLAIMS.entryTypes]: [...claims.entryTypes],
    [CLAIMS.systemName]: claims.systemName,
  })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt' })
    .setSubject(claims.clientId)
    .setIssuer(signer.issuer)
    .setAudience(signer.audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(signer.key);
}
