import { readFileSync } from 'node:fs';
import { setting, type Environment } from '@carelog/config';
import { DomainError, isRole, type Role } from '@carelog/domain';
import defaultTable from './cis2-job-roles.json';

/** One row of the job-role table (`cis2-job-roles.json`, or the ICS's own file). */
export interface JobRoleRule {
  /** National RBAC job-role code, e.g. R0260. */
  jobRole: string;
  name: string;
  role: Role;
  /** A slug stamped as the author's profession. */
  profession: string;
  /** Names an organisation pattern the role's org_code must match for this rule to apply. */
  organisation?: string;
  /** Why the mapping is not certain, where it is not. */
  uncertain?: string;
}

export interface JobRoleTable {
  rules: readonly JobRoleRule[];
  organisationPatterns: Readonly<Record<string, RegExp>>;
}

const JOB_ROLE_CODE = /^R[0-9]{4}$/;
const SLUG = /^[a-z][a-z-]{0,39}$/;

/** Checks a table read from JSON, so that a typo refuses to start rather than mapping wrongly. */
export function parseJobRoleTable(raw: unknown): JobRoleTable {
  const fail = (why: string): never => {
    throw new Error(`CIS2 job-role table: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('must be a JSON object');
  const { rules, organisationPatterns = {} } = raw as Record<string, unknown>;
  if (typeof organisationPatterns !== 'object' || organisationPatterns === null)
    return fail('organisationPatterns must be an object');
  const patterns: Record<string, RegExp> = {};
  for (const [name, source] of Object.entries(organisationPatterns)) {
    if (typeof source !== 'string') return fail(`organisation pattern ${name} must be a string`);
    patterns[name] = new RegExp(source);
  }
  if (!Array.isArray(rules) || rules.length === 0) return fail('rules must be a non-empty list');
  const parsed = rules.map((rule: unknown, index): JobRoleRule => {
    const row = (rule ?? {}) as Record<string, unknown>;
    const { jobRole, name, role, profession, organisation, uncertain } = row;
    if (typeof jobRole !== 'string' || !JOB_ROLE_CODE.test(jobRole))
      return fail(`rule ${index}: jobRole must be an R-code such as R0260`);
    if (typeof role !== 'string' || !isRole(role) || role === 'patient' || role === 'carer')
      return fail(`rule ${index} (${jobRole}): role must be a staff role of carelog`);
    if (typeof profession !== 'string' || !SLUG.test(profession))
      return fail(`rule ${index} (${jobRole}): profession must be a lower-case slug`);
    if (organisation !== undefined && (typeof organisation !== 'string' || !patterns[organisation]))
      return fail(
        `rule ${index} (${jobRole}): unknown organisation pattern ${JSON.stringify(organisation)}`,
      );
    return {
      jobRole,
      name: typeof name === 'string' ? name : jobRole,
      role,
      profession,
      ...(typeof organisation === 'string' ? { organisation } : {}),
      ...(typeof uncertain === 'string' ? { uncertain } : {}),
    };
  });
  return { rules: parsed, organisationPatterns: patterns };
}

/** The table an ICS configured (`CARELOG_CIS2_ROLE_MAP_FILE`), or the one kept in the repository. */
export function jobRoleTableFromEnv(env?: Environment): JobRoleTable {
  const file = setting('CARELOG_CIS2_ROLE_MAP_FILE', env);
  return parseJobRoleTable(file ? JSON.parse(readFileSync(file, 'utf8')) : defaultTable);
}

const ruleApplies = (table: JobRoleTable, rule: JobRoleRule, organisation: string): boolean =>
  rule.organisation === undefined ||
  (table.organisationPatterns[rule.organisation]?.test(organisation) ?? false);

/** The job-role code of a CIS2 role_code "Sxxxx:Gxxxx:Rxxxx" (or a bare R-code). */
export function jobRoleCodeOf(roleCode: string): string | undefined {
  return roleCode.split(':').find((part) => JOB_ROLE_CODE.test(part));
}

/** The carelog role a national job-role code held at an organisation maps to; refused if none. */
export function mapJobRole(
  table: JobRoleTable,
  roleCode: string,
  organisation: string,
): JobRoleRule {
  const code = jobRoleCodeOf(roleCode);
  const rule =
    code === undefined
      ? undefined
      : table.rules.find(
          (candidate) => candidate.jobRole === code && ruleApplies(table, candidate, organisation),
        );
  if (!rule) {
    throw new DomainError(
      'role-not-mapped',
      `the selected CIS2 role's job-role code ${code ?? '(none)'} maps to no carelog role at this organisation`,
      'Authorization',
    );
  }
  return rule;
}

/**
 * For local tokens: a job-role code that maps back to this carelog role at this organisation,
 * preferring rules that hold anywhere.
 */
export function jobRoleFor(
  table: JobRoleTable,
  role: Role,
  organisation: string,
): JobRoleRule | undefined {
  return table.rules.find(
    (rule) =>
      rule.role === role &&
      ruleApplies(table, rule, organisation) &&
      mapJobRole(table, rule.jobRole, organisation).role === role,
  );
}
