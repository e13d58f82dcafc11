import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The container image's entry point (`node dist/tools/carelog.js <service|tool> [args]`): one
 * image runs every service and operator tool, chosen by its first argument or, with none, by
 * `CARELOG_SERVICE`. A service is any `dist/services/<name>/src/main.js`; the tools are below.
 */
export const TOOLS: Readonly<Record<string, string>> = {
  'projection-rebuild': 'services/projection/src/rebuild/main.js',
  'audit-verify': 'libs/audit/src/verify-main.js',
  'audit-rotate-key': 'tools/audit-rotate-key.js',
  dlq: 'tools/dlq.js',
  'db-roles': 'tools/db-roles.js',
  token: 'tools/token.js',
};

/** dist/, from dist/tools where this file is compiled to (or tools/ in the sources). */
const distRoot = join(__dirname, '..');

export function services(root = distRoot): string[] {
  const folder = join(root, 'services');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => existsSync(join(folder, name, 'src', 'main.js')))
    .sort();
}

/** The compiled module a command runs, or undefined for a name that is neither. */
export function entryPoint(command: string, root = distRoot): string | undefined {
  if (services(root).includes(command)) return join(root, 'services', command, 'src', 'main.js');
  const tool = TOOLS[command];
  return tool === undefined ? undefined : join(root, tool);
}

function main(): void {
  const [command = process.env['CARELOG_SERVICE'] ?? '', ...rest] = process.argv.slice(2);
  const entry = entryPoint(command);
  if (!entry) {
    console.error(
      `usage: carelog <service|tool> [arguments]\n  services: ${services().join(', ')}\n  tools: ${Object.keys(TOOLS).join(', ')}`,
    );
    process.exit(2);
  }
  // The command sees its own arguments where it would when run directly.
  process.argv = [process.argv[0] ?? 'node', entry, ...rest];
  import(entry).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

if (require.main === module) main();
