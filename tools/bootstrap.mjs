// Runs before `npm start` and `npm test` with nothing but Node.js: checks the machine's
// prerequisites and installs the project's dependencies when they are missing or stale.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fail = (message) => {
  console.error(`carelog set-up: ${message}`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19))
  fail(`Node.js 20.19 or later is needed (this is ${process.versions.node}).`);

const external = Boolean(process.env.KAFKA_BROKERS);
for (const [tool, args, why] of [
  ['java', ['-version'], 'Java 17 or later runs the local Kafka broker'],
  ['mvn', ['-v'], 'Maven resolves the Kafka broker from Maven Central'],
]) {
  if (external) break;
  const probe = spawnSync(tool, args, { stdio: 'ignore' });
  if (probe.error || probe.status !== 0)
    fail(`${tool} was not found. ${why} (or set KAFKA_BROKERS to use an existing broker).`);
}

const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.carelog-install-stamp');
const wanted = createHash('sha256').update(readFileSync(lock)).digest('hex');
const installed = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (installed !== wanted) {
  console.log('carelog set-up: installing dependencies (npm ci) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail('npm ci failed; see the output above.');
  writeFileSync(stamp, wanted);
}

// The browser tests (*.e2e.spec.ts of the web app) drive Debian's chromium with playwright-core:
// install it for `npm test` when it is missing (CARELOG_CHROMIUM names another binary).
const chromium = process.env.CARELOG_CHROMIUM || '/usr/bin/chromium';
if (process.env.npm_lifecycle_event === 'pretest' && !existsSync(chromium)) {
  if (process.env.CARELOG_CHROMIUM)
    fail(`CARELOG_CHROMIUM names ${chromium}, which does not exist.`);
  console.log("carelog set-up: installing Debian's chromium for the browser tests (apt-get) ...");
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = (...args) =>
    spawnSync(root ? 'apt-get' : 'sudo', root ? args : ['-n', 'apt-get', ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  let installed = apt('install', '-y', '--no-install-recommends', 'chromium');
  if (installed.status !== 0 && apt('update').status === 0)
    installed = apt('install', '-y', '--no-install-recommends', 'chromium');
  if (installed.error || installed.status !== 0 || !existsSync(chromium))
    fail(
      `chromium could not be installed (the browser tests need it). Install it yourself (sudo apt-get install chromium) or set CARELOG_CHROMIUM to a Chromium binary.`,
    );
}
