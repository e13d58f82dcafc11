import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@carelog/local-infra';

/**
 * Jest runs spec files side by side, and each end-to-end file starts its own services on
 * ports it names. Two files naming the same port fail at random: the second service cannot
 * listen and exits before it is ready, or, worse, the test talks to the other file's service
 * (CI once lost every attention-task test this way). So each file keeps a block of its own.
 */
const PORT_LIKE = /\b([3-6]\d{3})\b/g;
/** Numbers in these files that are not service ports (years, lengths and the like). */
const NOT_PORTS = new Set([3000, 4000]);
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.local', '.cache', '.git']);

function specFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED_DIRECTORIES.has(entry.name)) return [];
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return specFiles(path);
    return /\.(spec|faults)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The port-like numbers of every spec file that starts services itself. */
export function portsByFile(root: string): Map<string, Set<number>> {
  const found = new Map<string, Set<number>>();
  for (const directory of ['test', 'tools', 'services', 'libs']) {
    for (const file of specFiles(join(root, directory))) {
      const text = readFileSync(file, 'utf8');
      // startService itself, or a platform of test/e2e/support, given the file's ports.
      if (!/\b(startService|accessPlatform|schemathesisPlatform)\(/.test(text)) continue;
      const ports = new Set(
        [...text.matchAll(PORT_LIKE)]
          .map((match) => Number(match[1]))
          .filter((port) => !NOT_PORTS.has(port)),
      );
      found.set(relative(root, file), ports);
    }
  }
  return found;
}

describe('ports of the services the end-to-end specs start', () => {
  it('are never named by two spec files', () => {
    const owners = new Map<number, string[]>();
    for (const [file, ports] of portsByFile(repoRoot))
      for (const port of ports) owners.set(port, [...(owners.get(port) ?? []), file]);
    const shared = [...owners].filter(([, files]) => files.length > 1);
    expect(shared).toEqual([]);
  });

  it('finds the specs that start services (so that the check above is not vacuous)', () => {
    const files = portsByFile(repoRoot);
    expect(files.size).toBeGreaterThanOrEqual(10);
    expect(files.get('test/e2e/attention-tasks.e2e.spec.ts')).toContain(4410);
  });
});
