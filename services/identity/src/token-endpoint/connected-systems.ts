import { readFileSync } from 'node:fs';
import { setting, type Environment } from '@carelog/config';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';

/** A source system the ICS connected (README, "Source systems"). */
export interface ConnectedSystem {
  clientId: string;
  /** The system's name, stamped as the source system of its entries. */
  name: string;
  /** ODS code of the organisation it serves. */
  organisation: string;
  /** Entry types it may send. */
  entryTypes: readonly string[];
  /** The public keys its client assertions are signed with. */
  keys: JWTVerifyGetKey;
}

const ODS_CODE = /^[A-Z0-9]{3,10}$/;
const ENTRY_TYPE = /^[A-Z][A-Za-z]+$/;

const fail = (why: string): never => {
  throw new Error(`connected systems registry: ${why}`);
};

/**
 * The registry of connected systems, kept as data: `{ systems: [{ clientId, name, organisation,
 * entryTypes, jwksUri | jwks }] }`. A typo refuses to start rather than admitting a system.
 */
export function parseConnectedSystems(raw: unknown): ReadonlyMap<string, ConnectedSystem> {
  const systems = (raw as { systems?: unknown } | null)?.systems;
  if (!Array.isArray(systems)) return fail('must be an object with a list of systems');
  const registry = new Map<string, ConnectedSystem>();
  systems.forEach((entry: unknown, index) => {
    const row = (entry ?? {}) as Record<string, unknown>;
    const where = `systems[${index}]`;
    const { clientId, name, organisation, entryTypes, jwksUri, jwks } = row;
    if (typeof clientId !== 'string' || clientId.length === 0)
      return fail(`${where}.clientId must be a non-empty string`);
    if (registry.has(clientId)) return fail(`${where}: client ${clientId} is listed twice`);
    if (typeof organisation !== 'string' || !ODS_CODE.test(organisation))
      return fail(`${where}.organisation must be an ODS code`);
    if (
      !Array.isArray(entryTypes) ||
      entryTypes.length === 0 ||
      !entryTypes.every((type) => typeof type === 'string' && ENTRY_TYPE.test(type))
    )
      return fail(`${where}.entryTypes must list entry types, e.g. ["ConsultationRecorded"]`);
    if ((jwksUri === undefined) === (jwks === undefined))
      return fail(`${where} needs exactly one of jwksUri and jwks`);
    const keys =
      typeof jwksUri === 'string'
        ? createRemoteJWKSet(new URL(jwksUri))
        : createLocalJWKSet(jwks as JSONWebKeySet);
    registry.set(clientId, {
      clientId,
      name: typeof name === 'string' && name.length > 0 ? name : clientId,
      organisation,
      entryTypes: entryTypes as string[],
      keys,
    });
    return undefined;
  });
  return registry;
}

/** `CARELOG_SOURCE_SYSTEMS_FILE`; none connected without it (local mode mints system tokens directly). */
export function connectedSystemsFromEnv(env?: Environment): ReadonlyMap<string, ConnectedSystem> {
  const file = setting('CARELOG_SOURCE_SYSTEMS_FILE', env);
  return file ? parseConnectedSystems(JSON.parse(readFileSync(file, 'utf8'))) : new Map();
}
