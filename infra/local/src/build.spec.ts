import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { buildDist, distDir, distPath, RUNTIME_TOOLS, serviceDistEntry } from './build';
import { repoRoot } from './paths';
import { PLATFORM_SERVICES } from './services';

function compiledModules(folder: string, found: string[] = []): string[] {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) compiledModules(path, found);
    else if (entry.name.endsWith('.js')) found.push(path);
  }
  return found;
}

/** The package a bare require names: `@nestjs/common/x` is `@nestjs/common`. */
const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('npm run build', () => {
  // Incremental, as the test set-up builds: a full build would empty dist/ under the
  // services other test files are running from it.
  beforeAll(async () => {
    await buildDist({ incremental: true });
  });

  it('compiles every service and every operator tool to an entry point in dist/', () => {
    for (const { name } of PLATFORM_SERVICES) expect(existsSync(serviceDistEntry(name))).toBe(true);
    for (const tool of Object.values(RUNTIME_TOOLS)) expect(existsSync(distPath(tool))).toBe(true);
    // Read at run time beside the code: the Avro schemas, JSON imports, a service's config.
    expect(existsSync(join(distDir, 'schemas'))).toBe(true);
    expect(existsSync(join(distDir, 'libs/auth/src/cis2/cis2-job-roles.json'))).toBe(true);
    expect(existsSync(join(distDir, 'services/record-api/config/privacy-officers.json'))).toBe(
      true,
    );
  });

  it('needs only production dependencies and no path aliases at run time', () => {
    const { dependencies } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const required = new Map<string, string>();
    for (const file of compiledModules(distDir))
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g))
        if (specifier && !specifier.startsWith('.') && !specifier.startsWith('node:'))
          required.set(packageOf(specifier), file);
    expect(required.size).toBeGreaterThan(0);
    const outside = [...required]
      .filter(([name]) => !builtins.has(name) && !(name in dependencies))
      .map(([name, file]) => `${name} (required by ${file})`);
    expect(outside).toEqual([]);
  });
});
