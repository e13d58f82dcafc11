import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsTables, withSettingsTables } from '@carelog/config';

export const README = join(__dirname, '..', 'README.md');

/**
 * The README with its settings tables generated from libs/config, formatted as prettier
 * leaves it (prettier runs as its own process: its API loads plugins by dynamic import,
 * which Jest's module system does not allow).
 */
export function readmeWithSettings(readme = readFileSync(README, 'utf8')): string {
  return execFileSync(
    process.execPath,
    [require.resolve('prettier/bin/prettier.cjs'), '--stdin-filepath', README],
    { input: withSettingsTables(readme, settingsTables()), encoding: 'utf8' },
  );
}

/** `npm run docs:settings`: rewrites the README's settings block from the declarations. */
function main(): void {
  const before = readFileSync(README, 'utf8');
  const after = readmeWithSettings(before);
  writeFileSync(README, after);
  console.log(before === after ? 'README settings: up to date' : 'README settings: regenerated');
}

if (require.main === module) main();
