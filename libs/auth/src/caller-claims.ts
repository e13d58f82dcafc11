import type { JWTPayload } from 'jose';
import { DomainError } from '@carelog/domain';
import { AuthenticationError } from './auth-error';
import { CLAIMS, type Caller, type SourceSystemCaller } from './caller';
import { mapJobRole, type JobRoleTable } from './cis2/cis2-roles';

/** The organisation stamped on people who sign in through NHS login (they act for no organisation). */
export const NHS_LOGIN_ORGANISATION = 'NHSLOGIN';

const text = (payload: Record<string, unknown>, claim: string): string | undefined => {
  const value = payload[claim];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

const missing = (what: string) =>
  new AuthenticationError('invalid-token', `the token must carry ${what}`);

const systemOf = (payload: JWTPayload): string =>
  text(payload, 'azp') ?? text(payload, 'client_id') ?? 'unknown';

/**
 * NHS CIS2: the role the user selected at sign-in (`selected_roleid`, one of
 * `nhsid_nrbac_roles` by `person_roleid`), acting for that role's `org_code`, as the carelog role
 * its national job-role code maps to.
 */
export function callerFromCis2(payload: JWTPayload, table: JobRoleTable): Caller {
  const userId = payload.sub;
  if (!userId) throw missing('sub');
  const selected = text(payload, 'selected_roleid');
  const roles = payload['nhsid_nrbac_roles'];
  const role = Array.isArray(roles)
    ? (roles as unknown[]).find(
        (candidate): candidate is Record<string, unknown> =>
          typeof candidate === 'object' &&
          candidate !== null &&
          selected !== undefined &&
          (candidate as Record<string, unknown>)['person_roleid'] === selected,
      )
    : undefined;
  if (!role) {
    throw new DomainError(
      'role-not-selected',
      'the CIS2 token names no selected role (selected_roleid among nhsid_nrbac_roles)',
      'Authorization',
    );
  }
  const organisation = text(role, 'org_code');
  const roleCode = text(role, 'role_code');
  if (!organisation || !roleCode) throw missing('org_code and role_code on the selected role');
  const mapped = mapJobRole(table, roleCode, organisation);
  return {
    kind: 'person',
    userId,
    role: mapped.role,
    profession: mapped.profession,
    organisation,
    system: systemOf(payload),
  };
}

const PROOFING_LEVELS = ['P0', 'P5', 'P9'] as const;

/**
 * NHS login's identity proofing level: `identity_proofing_level`, checked against the level in
 * `vot` (e.g. "P9.Cp.Cd") where both are given; the lower one counts.
 */
function proofingLevelOf(payload: JWTPayload): string | undefined {
  const claimed = text(payload, 'identity_proofing_level');
  const fromVot = text(payload, 'vot')?.split('.')[0];
  const levels = [claimed, fromVot].filter(
    (level): level is string =>
      level !== undefined && (PROOFING_LEVELS as readonly string[]).includes(level),
  );
  if (claimed !== undefined && !levels.includes(claimed)) return undefined;
  return levels.sort()[0];
}

/**
 * NHS login: the person (`sub`), their NHS number and proofing level. Whether they act as a
 * carer comes from the client they signed in through; what a carer may see comes only from the
 * patient's approval of this `sub`, never from the token.
 */
export function callerFromNhsLogin(payload: JWTPayload, asCarer: boolean): Caller {
  const userId = payload.sub;
  if (!userId) throw missing('sub');
  const nhsNumber = text(payload, CLAIMS.nhsNumber);
  const level = proofingLevelOf(payload);
  const role = asCarer ? 'carer' : 'patient';
  return {
    kind: 'person',
    userId,
    role,
    profession: role,
    organisation: NHS_LOGIN_ORGANISATION,
    system: systemOf(payload),
    // A carer's own NHS number says nothing about whose record they may see.
    ...(nhsNumber && !asCarer ? { nhsNumber } : {}),
    ...(level ? { identityProofingLevel: level } : {}),
  };
}

/** The platform token endpoint's token for a connected source system (README, "Source systems"). */
export function callerFromPlatformToken(payload: JWTPayload): SourceSystemCaller {
  const clientId = text(payload, 'client_id');
  const organisation = text(payload, CLAIMS.organisation);
  const entryTypes = payload[CLAIMS.entryTypes];
  if (
    !clientId ||
    payload.sub !== clientId ||
    !organisation ||
    !Array.isArray(entryTypes) ||
    !entryTypes.every((type): type is string => typeof type === 'string')
  ) {
    throw missing(`client_id (= sub), ${CLAIMS.organisation} and ${CLAIMS.entryTypes}`);
  }
  return {
    kind: 'source-system',
    clientId,
    organisation,
    entryTypes,
    system: text(payload, CLAIMS.systemName) ?? clientId,
  };
}
