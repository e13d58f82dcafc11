import { isRole } from '@carelog/domain';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { AuthenticationError } from './auth-error';
import { DomainError } from '@carelog/domain';
import { CLAIMS, type AnyCaller, type Caller } from './caller';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateLocalKeys } from './local-keys';

export interface VerifierSettings {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
}

/**
 * Where keys come from. `jwks` (the default) verifies against AUTH_JWKS_URL, as NHS CIS2 and
 * NHS login publish; `local` trusts the local platform key, and must be asked for explicitly.
 */
export async function verifierSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Promise<VerifierSettings> {
  const mode = env['CARELOG_AUTH_MODE'] ?? 'jwks';
  if (mode === 'local') {
    const { publicJwk } = await loadOrCreateLocalKeys();
    return {
      keys: createLocalJWKSet({ keys: [publicJwk] }),
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
    };
  }
  if (mode !== 'jwks') throw new Error(`CARELOG_AUTH_MODE must be jwks or local, not ${mode}`);
  const url = env['AUTH_JWKS_URL'];
  const issuer = env['AUTH_ISSUER'];
  const audience = env['AUTH_AUDIENCE'];
  if (!url || !issuer || !audience) {
    throw new Error(
      'AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE are required (or CARELOG_AUTH_MODE=local for local development)',
    );
  }
  return { keys: createRemoteJWKSet(new URL(url)), issuer, audience };
}

const text = (payload: JWTPayload, claim: string): string | undefined => {
  const value = payload[claim];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

export class TokenVerifier {
  constructor(private readonly settings: VerifierSettings) {}

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
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], this.settings.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: 30,
      }));
    } catch {
      throw new AuthenticationError(
        'invalid-token',
        'the bearer token is not valid, has expired, or was not issued for carelog',
      );
    }
    if (payload[CLAIMS.callerKind] === 'source-system') return sourceSystemFrom(payload);
    const role = text(payload, CLAIMS.role);
    const userId = payload.sub;
    const organisation = text(payload, CLAIMS.organisation);
    if (!userId || !role || !isRole(role) || !organisation) {
      throw new AuthenticationError(
        'invalid-token',
        `the token must carry sub, ${CLAIMS.role} (a carelog role) and ${CLAIMS.organisation}`,
      );
    }
    const nhsNumber = text(payload, CLAIMS.nhsNumber);
    return {
      userId,
      role,
      profession: text(payload, CLAIMS.profession) ?? role,
      organisation,
      system: text(payload, 'azp') ?? text(payload, 'client_id') ?? 'unknown',
      ...(nhsNumber ? { nhsNumber } : {}),
    };
  }
}

function sourceSystemFrom(payload: JWTPayload): AnyCaller {
  const clientId = text(payload, 'client_id') ?? payload.sub;
  const organisation = text(payload, CLAIMS.organisation);
  const entryTypes = payload[CLAIMS.entryTypes];
  if (
    !clientId ||
    !organisation ||
    !Array.isArray(entryTypes) ||
    !entryTypes.every((type): type is string => typeof type === 'string')
  ) {
    throw new AuthenticationError(
      'invalid-token',
      `a source system's token must carry client_id, ${CLAIMS.organisation} and ${CLAIMS.entryTypes}`,
    );
  }
  return {
    kind: 'source-system',
    clientId,
    organisation,
    entryTypes,
    system: text(payload, 'carelog_system_name') ?? clientId,
  };
}
