import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { Role } from '@carelog/domain';
import { jobRoleFor, jobRoleTableFromEnv } from './cis2/cis2-roles';
import { LOCAL_ISSUERS, loadOrCreateLocalKeys, type LocalIssuerName } from './local-keys';
import { signPlatformToken } from './platform-token';

/**
 * Local mode only: tokens shaped as NHS CIS2, NHS login and the platform token endpoint issue
 * them, signed with the local issuers' keys. A platform started with CARELOG_AUTH_MODE=local
 * verifies them by the same path as production tokens.
 */
async function localSigner(name: LocalIssuerName) {
  const { privateJwk } = (await loadOrCreateLocalKeys())[name];
  const { alg } = LOCAL_ISSUERS[name];
  return { key: await importJWK(privateJwk, alg), kid: String(privateJwk.kid), alg };
}

export interface LocalCis2TokenRequest {
  /** A national RBAC role code, "Sxxxx:Gxxxx:Rxxxx" or a bare job-role code "Rxxxx". */
  roleCode: string;
  /** ODS code of the organisation the selected role is held at. */
  organisation: string;
  userId?: string;
  system?: string;
  expiresIn?: string;
}

/** A token shaped as NHS CIS2 issues it: the selected role among the user's national RBAC roles. */
export async function mintLocalCis2Token(request: LocalCis2TokenRequest): Promise<string> {
  const signer = await localSigner('cis2');
  const userId = request.userId ?? `cis2-${randomUUID()}`;
  const roleCode = request.roleCode.includes(':')
    ? request.roleCode
    : `S8000:G8000:${request.roleCode}`;
  const personRoleId = `${Math.floor(100_000_000_000 + Math.random() * 899_999_999_999)}`;
  return new SignJWT({
    nhsid_useruid: userId,
    nhsid_nrbac_roles: [
      // Another role the user holds but did not select: the selected one must be the one used.
      { person_roleid: '100000000001', org_code: 'X99999', role_code: 'S8000:G8000:R8010' },
      { person_roleid: personRoleId, org_code: request.organisation, role_code: roleCode },
    ],
    selected_roleid: personRoleId,
    acr: 'AAL3_ANY',
    amr: ['sc'],
    azp: request.system ?? 'carelog-local-cli',
  })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
    .setSubject(userId)
    .setIssuer(LOCAL_ISSUERS.cis2.issuer)
    .setAudience(LOCAL_ISSUERS.cis2.audience)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '8h')
    .sign(signer.key);
}

export interface LocalNhsLoginTokenRequest {
  userId?: string;
  nhsNumber?: string;
  /** P0, P5 or P9 (default P9); `null` leaves the level out. */
  proofingLevel?: string | null;
  /** Signed in through the carer client. */
  carer?: boolean;
  system?: string;
  expiresIn?: string;
}

/** A token shaped as NHS login issues it. */
export async function mintLocalNhsLoginToken(request: LocalNhsLoginTokenRequest): Promise<string> {
  const signer = await localSigner('nhs-login');
  const level = request.proofingLevel === undefined ? 'P9' : request.proofingLevel;
  const issuer = LOCAL_ISSUERS['nhs-login'];
  return new SignJWT({
    ...(request.nhsNumber ? { nhs_number: request.nhsNumber } : {}),
    ...(level ? { identity_proofing_level: level, vot: `${level}.Cp.Cd` } : {}),
    azp: request.system ?? 'carelog-local-cli',
  })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
    .setSubject(request.userId ?? randomUUID())
    .setIssuer(issuer.issuer)
    .setAudience(request.carer ? issuer.carerAudience : issuer.audience)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '1h')
    .sign(signer.key);
}

export interface LocalTokenRequest {
  role: Role;
  organisation: string;
  userId?: string;
  nhsNumber?: string;
  system?: string;
  expiresIn?: string;
}

/**
 * A person's token by carelog role: CIS2-shaped for staff (with a national job-role code that
 * maps to the role at that organisation), NHS login-shaped at P9 for patients and carers (their
 * organisation is always NHSLOGIN).
 */
export async function mintLocalToken(request: LocalTokenRequest): Promise<string> {
  const common = {
    userId: request.userId ?? `${request.role}-${request.organisation}`.toLowerCase(),
    ...(request.system ? { system: request.system } : {}),
    ...(request.expiresIn ? { expiresIn: request.expiresIn } : {}),
  };
  if (request.role === 'patient' || request.role === 'carer') {
    return mintLocalNhsLoginToken({
      ...common,
      ...(request.nhsNumber ? { nhsNumber: request.nhsNumber } : {}),
      carer: request.role === 'carer',
    });
  }
  const rule = jobRoleFor(jobRoleTableFromEnv(), request.role, request.organisation);
  if (!rule)
    throw new Error(
      `no national job-role code maps to ${request.role} at ${request.organisation} in the CIS2 role table`,
    );
  return mintLocalCis2Token({
    ...common,
    roleCode: `S8000:G8000:${rule.jobRole}`,
    organisation: request.organisation,
  });
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

/** A source system's token, as the platform token endpoint issues it, signed with the local key. */
export async function mintLocalSystemToken(request: LocalSystemTokenRequest): Promise<string> {
  const signer = await localSigner('platform');
  const clientId = request.clientId ?? `system-${request.organisation}`.toLowerCase();
  return signPlatformToken(
    { ...signer, issuer: LOCAL_ISSUERS.platform.issuer, audience: LOCAL_ISSUERS.platform.audience },
    {
      clientId,
      organisation: request.organisation,
      entryTypes: request.entryTypes,
      systemName: request.systemName ?? clientId,
    },
    request.expiresIn ?? '1h',
  );
}
