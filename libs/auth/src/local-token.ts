import { importJWK, SignJWT } from 'jose';
import type { Role } from '@carelog/domain';
import { CLAIMS } from './caller';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateLocalKeys } from './local-keys';

export interface LocalTokenRequest {
  role: Role;
  organisation: string;
  userId?: string;
  nhsNumber?: string;
  profession?: string;
  system?: string;
  expiresIn?: string;
}

/** Mints a token that only a platform running with CARELOG_AUTH_MODE=local accepts. */
export async function mintLocalToken(request: LocalTokenRequest): Promise<string> {
  const { privateJwk } = await loadOrCreateLocalKeys();
  const key = await importJWK(privateJwk, 'ES256');
  return new SignJWT({
    [CLAIMS.role]: request.role,
    [CLAIMS.organisation]: request.organisation,
    [CLAIMS.profession]: request.profession ?? request.role,
    ...(request.nhsNumber ? { [CLAIMS.nhsNumber]: request.nhsNumber } : {}),
    azp: request.system ?? 'carelog-local-cli',
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'carelog-local' })
    .setSubject(request.userId ?? `${request.role}-${request.organisation}`.toLowerCase())
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '8h')
    .sign(key);
}

export interface LocalSystemTokenRequest {
  /** ODS code of the organisation the system serves. */
  organisation: string;
  /** Entry types the system may send. */
  entryTypes: readonly string[];
  clientId?: string;
  systemName?: string;
  expiresIn?: string;
}

/**
 * Local mode only: a source system's (application-restricted) token, of the same shape the
 * platform's token endpoint issues to a connected system.
 */
export async function mintLocalSystemToken(request: LocalSystemTokenRequest): Promise<string> {
  const { privateJwk } = await loadOrCreateLocalKeys();
  const key = await importJWK(privateJwk, 'ES256');
  const clientId = request.clientId ?? `system-${request.organisation}`.toLowerCase();
  return new SignJWT({
    [CLAIMS.callerKind]: 'source-system',
    [CLAIMS.organisation]: request.organisation,
    [CLAIMS.entryTypes]: [...request.entryTypes],
    client_id: clientId,
    carelog_system_name: request.systemName ?? clientId,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'carelog-local' })
    .setSubject(clientId)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '1h')
    .sign(key);
}
