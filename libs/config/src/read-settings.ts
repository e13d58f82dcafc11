import {
  SETTINGS,
  SETTING_GROUPS,
  type SettingDeclaration,
  type SettingGroup,
  type SettingName,
  type SettingValue,
} from './settings';

export type Environment = Readonly<Record<string, string | undefined>>;

/** A setting that is set to something it cannot be; the message is one line and names it. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

const declarationOf = (name: SettingName): SettingDeclaration => SETTINGS[name];

/** The raw text of a setting; an empty variable counts as unset. */
export function rawSetting(name: SettingName, env: Environment = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Why a value is refused: "<NAME> must be <expected> (got "<value>")", never a secret's value. */
export function refusal(name: SettingName, raw: string): string {
  const declaration = declarationOf(name);
  const shown = declaration.secret ? '' : ` (got "${raw.replace(/[\r\n]+/g, ' ')}")`;
  return `${name} must be ${declaration.type.expected}${shown}`;
}

/**
 * A setting's value from the environment (process.env unless given), typed and with its
 * default; an invalid value throws InvalidSettingError. Read when asked, not cached, so that a
 * test (or the in-process record API) may change the environment between reads.
 */
export function setting<N extends SettingName>(
  name: N,
  env: Environment = process.env,
): SettingValue<N> {
  const raw = rawSetting(name, env);
  const parsed = declarationOf(name).type.schema.safeParse(raw);
  if (!parsed.success) throw new InvalidSettingError(name, refusal(name, raw ?? ''));
  return parsed.data as SettingValue<N>;
}

/** A setting of a declared family, e.g. `CARELOG_DB_PASSWORD_<ROLE>`: the raw text, or undefined. */
export function familySetting(
  prefix: 'CARELOG_DB_PASSWORD_',
  member: string,
  env: Environment = process.env,
): string | undefined {
  const value = env[`${prefix}${member}`];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The raw text of several settings, for rules that parse their own (libs/domain takes a plain
 * record, as it imports no framework); their types are still checked at start-up.
 */
export function rawSettings<N extends SettingName>(
  names: readonly N[],
  env: Environment = process.env,
): Partial<Record<N, string>> {
  return Object.fromEntries(
    names.flatMap((name) => {
      const value = rawSetting(name, env);
      return value === undefined ? [] : [[name, value]];
    }),
  ) as Partial<Record<N, string>>;
}

/** The groups each process reads, besides `platform` (README, "Settings"). */
export const SERVICE_GROUPS: Readonly<Record<string, readonly SettingGroup[]>> = {
  'gp-records': ['producers'],
  'social-care': ['producers'],
  maternity: ['producers'],
  'urgent-care': ['producers'],
  'community-nursing': ['producers'],
  pharmacy: ['producers'],
  projection: ['projection'],
  'projection-rebuild': ['projection'],
  'record-api': ['record-api', 'audit'],
  'audit-verify': ['audit'],
  notifications: ['notifications'],
  'analytics-export': ['analytics-export'],
  identity: ['identity'],
  web: ['web'],
};

/** The settings a process reads: those of `platform` and of its groups. */
export function settingsOf(service: string): SettingName[] {
  const groups = new Set<SettingGroup>(['platform', ...(SERVICE_GROUPS[service] ?? [])]);
  return (Object.keys(SETTINGS) as SettingName[]).filter((name) =>
    declarationOf(name).usedBy.some((group) => groups.has(group)),
  );
}

/**
 * Checks every setting a process reads, at start-up, before anything else: throws one
 * InvalidSettingError whose one-line message names each setting that is wrong and what it
 * must be (a secret's value is never repeated).
 */
export function checkSettingsFor(service: string, env: Environment = process.env): void {
  if (!(service in SERVICE_GROUPS))
    throw new Error(`no settings are declared for "${service}" (libs/config: SERVICE_GROUPS)`);
  const problems = settingsOf(service).flatMap((name) => {
    try {
      setting(name, env);
      return [];
    } catch (error) {
      if (error instanceof InvalidSettingError) return [error];
      throw error;
    }
  });
  const [first] = problems;
  if (first)
    throw new InvalidSettingError(
      problems.length === 1 ? first.setting : problems.map((p) => p.setting).join(', '),
      problems.map((problem) => problem.message).join('; '),
    );
}

export const groupTitle = (group: SettingGroup): string => SETTING_GROUPS[group];
