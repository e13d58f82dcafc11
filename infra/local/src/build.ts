import { transformFile, version as swcVersion, type Options } from '@swc/core';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from './paths';

/**
 * `npm run build`: every service, the libraries they use and the operators' runtime tools,
 * compiled to CommonJS under `dist/` in the repository's own layout (`dist/services/<name>/
 * src/main.js`), so that what the code finds beside itself at run time (the Avro schemas
 * three levels up from `libs/codec/src`, a service's `config/`, JSON imports) is found in
 * `dist/` the same way.
 *
 * swc rather than tsc: it is the compiler `npm start` and Jest already run the code through
 * (the same decorator metadata, the same output), it compiles the whole tree in about a
 * second, and it rewrites the `@carelog/*` path aliases to relative requires as it compiles,
 * so the output needs no alias resolver at run time. Types are checked by `npm run
 * typecheck` (tsc), not here.
 */
export const distDir = join(repoRoot, 'dist');

/** Operators' commands that run in a deployment beside the services (package.json scripts). */
export const RUNTIME_TOOLS = {
  'projection-rebuild': 'services/projection/src/rebuild/main.ts',
  'audit-verify': 'libs/audit/src/verify-main.ts',
  'audit-rotate-key': 'tools/audit-rotate-key.ts',
  dlq: 'tools/dlq.ts',
  'db-roles': 'tools/db-roles.ts',
  token: 'tools/token.ts',
} as const;

export type RuntimeTool = keyof typeof RUNTIME_TOOLS;

/** What the build compiles: the folders of sources, and the single-file tools. */
const SOURCE_ROOTS = ['libs', 'services'];
/** Test helpers only; nothing a service runs imports it. */
const EXCLUDED = ['libs/testing'];
/** Files that are read at run time, copied as they are. */
const DATA_FOLDERS = ['schemas'];

/** Where a TypeScript source's compiled JavaScript goes. */
export function distPath(source: string): string {
  return join(distDir, source.replace(/\.ts$/, '.js'));
}

/** The compiled entry point of a service. */
export function serviceDistEntry(service: string): string {
  return distPath(`services/${service}/src/main.ts`);
}

function swcOptions(): Options {
  const { paths } = (
    JSON.parse(readFileSync(join(repoRoot, 'tsconfig.base.json'), 'utf8')) as {
      compilerOptions: { paths: Record<string, string[]> };
    }
  ).compilerOptions;
  return {
    swcrc: false,
    configFile: false,
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      baseUrl: repoRoot,
      paths,
    },
    module: { type: 'commonjs' },
  };
}

function walk(folder: string, found: string[] = []): string[] {
  if (!existsSync(folder)) return found;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') walk(path, found);
    } else found.push(relative(repoRoot, path));
  }
  return found;
}

function isSource(file: string): boolean {
  return (
    file.endsWith('.ts') &&
    !file.endsWith('.d.ts') &&
    !file.endsWith('.spec.ts') &&
    file.includes('/src/') &&
    !EXCLUDED.some((excluded) => file.startsWith(`${excluded}/`))
  );
}

/** JSON a module imports (src) and a service's configuration (config/), beside the code. */
function isRuntimeData(file: string): boolean {
  return (
    !EXCLUDED.some((excluded) => file.startsWith(`${excluded}/`)) &&
    ((file.includes('/src/') && file.endsWith('.json')) || /^services\/[^/]+\/config\//.test(file))
  );
}

/** Every file the build writes from, and how (compiled or copied). */
export function buildInputs(): { compile: string[]; copy: string[] } {
  const files = SOURCE_ROOTS.flatMap((root) => walk(join(repoRoot, root)));
  const tools = Object.values(RUNTIME_TOOLS).filter((tool) => !tool.startsWith('libs/'));
  return {
    compile: [...new Set([...files.filter(isSource), ...tools])].sort(),
    copy: [
      ...files.filter(isRuntimeData),
      ...DATA_FOLDERS.flatMap((folder) => walk(join(repoRoot, folder))),
    ].sort(),
  };
}

const upToDate = (source: string, target: string): boolean =>
  existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs;

export interface BuildResult {
  compiled: number;
  copied: number;
  unchanged: number;
  ms: number;
}

/**
 * Compiles into `dist/`. `incremental` keeps what is newer than its source (the test set-up
 * builds before every run this way); a full build (`npm run build`) starts from an empty
 * `dist/`. A build made by another compiler version or other options is never reused.
 */
export async function buildDist(options: { incremental?: boolean } = {}): Promise<BuildResult> {
  const started = Date.now();
  const swc = swcOptions();
  const stampFile = join(distDir, '.build-stamp');
  const stamp = JSON.stringify({ swcVersion, swc });
  const reusable =
    options.incremental === true &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === stamp;
  if (!reusable) rmSync(distDir, { recursive: true, force: true });
  mkdirSync(distDir, { recursive: true });

  const { compile, copy } = buildInputs();
  let compiled = 0;
  let copied = 0;
  let unchanged = 0;
  await Promise.all(
    compile.map(async (source) => {
      const from = join(repoRoot, source);
      const to = distPath(source);
      if (upToDate(from, to)) return void unchanged++;
      const output = await transformFile(from, {
        ...swc,
        filename: from,
        outputPath: to,
        sourceFileName: relative(dirname(to), from),
      });
      mkdirSync(dirname(to), { recursive: true });
      const map = `${to}.map`;
      writeFileSync(to, `${output.code}\n//# sourceMappingURL=${relative(dirname(to), map)}\n`);
      if (output.map) writeFileSync(map, output.map);
      compiled++;
    }),
  );
  for (const file of copy) {
    const from = join(repoRoot, file);
    const to = join(distDir, file);
    if (upToDate(from, to)) {
      unchanged++;
      continue;
    }
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied++;
  }
  writeFileSync(stampFile, stamp);
  return { compiled, copied, unchanged, ms: Date.now() - started };
}
