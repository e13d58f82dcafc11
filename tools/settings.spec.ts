import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setting, SETTINGS, type SettingName } from '@carelog/config';
import { DEFAULT_ESCALATION_ROLES } from '@carelog/domain';
import { AUDIT_CHECKPOINTS_TOPIC, AUDIT_TOPIC, CONSUMER_GROUPS } from '@carelog/kafka';
import { PLATFORM_SERVICES, WEB_APP } from '@carelog/local-infra';
import { README, readmeWithSettings } from './docs-settings';

/**
 * One configuration module (libs/config): the README's tables are generated from it, code in
 * services/ and libs/ reads the environment only through it, and every `CARELOG_*` name used
 * anywhere in the repository is declared there.
 */
const root = join(__dirname, '..');
const declared = Object.keys(SETTINGS);

/** Source files (not tests) the repository keeps, with their text. */
const trackedFiles = (): { path: string; text: string }[] =>
  execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((path) => path !== '' && !/\.spec\.ts$/.test(path))
    .filter((path) => /\.(ts|mjs|js|json|ya?ml|md|sh)$|(^|\/)Dockerfile$/.test(path))
    .filter((path) => !path.startsWith('schemas/') && path !== 'package-lock.json')
    .map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));

/**
 * Where code in services/ or libs/ still reads the environment itself. Two test helpers set
 * it (they do not read a setting): the in-process record API runs with a test's environment,
 * and the producer contract points KAFKA_BROKERS at nothing to show a broker outage. The
 * database roles script is loaded by the Jest global set-up, which runs without path aliases
 * and so cannot import libs/config; its `CARELOG_DB_PASSWORD_<ROLE>` is declared there.
 */
const SETS_NOT_READS = new Set([
  'services/record-api/src/record-api.in-process.ts',
  'libs/testing/src/producer-contract.ts',
  'libs/read-model/src/database-roles.ts',
]);
export function environmentReads(files: { path: string; text: string }[]): string[] {
  return files
    .filter(
      ({ path }) => /^(services|libs)\/.*\.ts$/.test(path) && !path.startsWith('libs/config/'),
    )
    .filter(({ path }) => !SETS_NOT_READS.has(path))
    .flatMap(({ path, text }) =>
      text
        .split('\n')
        .map((line, index) => ({ line, at: `${path}:${index + 1}` }))
        .filter(({ line }) => /process\.env\b|\benv\s*(\[\s*['"`]|\.)CARELOG_/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
}

/** Identifiers that look like settings but are constants in code. */
const NOT_SETTINGS = new Set(['CARELOG_CSS', 'CARELOG_FHIR_BASE', 'CARELOG_ROLE_SYSTEM']);
export function undeclaredNames(files: { path: string; text: string }[]): string[] {
  const used = new Set(files.flatMap(({ text }) => text.match(/\bCARELOG_[A-Z0-9_]+/g) ?? []));
  return [...used]
    .filter((name) => !NOT_SETTINGS.has(name) && !declared.includes(name))
    .filter((name) => !declared.some((prefix) => prefix.endsWith('_') && name.startsWith(prefix)))
    .filter((name) => !(name.endsWith('_') && declared.some((other) => other.startsWith(name))))
    .sort();
}

describe('settings: one module, declared once', () => {
  const files = trackedFiles();

  it('finds the files it checks', () => {
    expect(files.some(({ path }) => path === 'libs/kafka/src/client.ts')).toBe(true);
    expect(files.some(({ path }) => path === 'infra/local/src/services.ts')).toBe(true);
  });

  it('reads the environment in services/ and libs/ only through libs/config', () => {
    expect(environmentReads(files)).toEqual([]);
  });

  it('declares every CARELOG_* name used anywhere outside the tests', () => {
    expect(undeclaredNames(files)).toEqual([]);
  });

  it('catches a new read outside the module, and a new name nobody declared', () => {
    const added = [
      {
        path: 'services/record-api/src/new-feature.ts',
        text: "export const limit = Number(process.env['CARELOG_NEW_LIMIT'] ?? 5);\n",
      },
      { path: 'libs/kafka/src/other.ts', text: "const x = (env: Env) => env['CARELOG_OTHER'];\n" },
      { path: 'infra/local/src/x.ts', text: "process.env['CARELOG_HARNESS_ONLY'];\n" },
    ];
    expect(environmentReads(added)).toEqual([
      "services/record-api/src/new-feature.ts:1: export const limit = Number(process.env['CARELOG_NEW_LIMIT'] ?? 5);",
      "libs/kafka/src/other.ts:1: const x = (env: Env) => env['CARELOG_OTHER'];",
    ]);
    expect(undeclaredNames(added)).toEqual([
      'CARELOG_HARNESS_ONLY',
      'CARELOG_NEW_LIMIT',
      'CARELOG_OTHER',
    ]);
  });

  it('keeps the README settings tables as `npm run docs:settings` generates them', () => {
    const readme = readFileSync(README, 'utf8');
    // On failure: run `npm run docs:settings` and commit README.md.
    expect(readmeWithSettings(readme)).toBe(readme);
  });

  it('declares the defaults that code elsewhere also names', () => {
    // The local launcher runs without libs/config (the Jest global set-up), so its ports are
    // checked against the declarations here; so are the topic and group names of libs/kafka,
    // which libs/config cannot import (libs/kafka reads its settings through it).
    for (const service of [...PLATFORM_SERVICES, WEB_APP])
      expect([service.portVariable, setting(service.portVariable as SettingName, {})]).toEqual([
        service.portVariable,
        service.port,
      ]);
    expect(setting('CARELOG_AUDIT_TOPIC', {})).toBe(AUDIT_TOPIC);
    expect(setting('CARELOG_AUDIT_CHECKPOINTS_TOPIC', {})).toBe(AUDIT_CHECKPOINTS_TOPIC);
    expect(setting('CARELOG_NOTIFICATIONS_GROUP', {})).toBe(CONSUMER_GROUPS.notifications);
    expect(setting('CARELOG_ANALYTICS_CONSUMER_GROUP', {})).toBe(CONSUMER_GROUPS.analyticsExport);
    expect(setting('CARELOG_PROJECTION_GROUP', {})).toBe(CONSUMER_GROUPS.projection);
    const roles = Object.entries(DEFAULT_ESCALATION_ROLES).map(([from, to]) => `${from}:${to}`);
    expect(SETTINGS.CARELOG_TASK_ESCALATION_ROLES.type.defaultText).toBe(`\`${roles.join(',')}\``);
  });
});
