import { spawn } from 'node:child_process';
import { join } from 'node:path';

declare global {
  var carelogFaultServers: { stop(): Promise<void> } | undefined;
}

const repoRoot = join(__dirname, '..', '..', '..');

/** Runs the infra command line (TypeScript, with the repository's path aliases). */
function infra(args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(repoRoot, 'infra', 'local', 'cli.ts'), ...args],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(`[fault servers] ${chunk.toString()}`);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolvePromise(output)
        : reject(new Error(`infra ${args.join(' ')} exited ${code}`)),
    );
  });
}

/**
 * The production profile's servers for the whole fault run (three SASL_SSL brokers with the
 * ACLs applied, Postgres with its roles), started by the same command an operator uses.
 */
export default async function globalSetup(): Promise<void> {
  const output = await infra(['start', '--profile', 'production']);
  const started = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
    startedCluster?: boolean;
    startedPostgres?: boolean;
  };
  globalThis.carelogFaultServers = {
    stop: async () => {
      if (started.startedCluster) await infra(['stop', '--profile', 'production']);
      // The Postgres it started (R3 stops and starts it again under the same data directory):
      // `stop` without the profile stops the local Postgres, and the single-broker Kafka if up.
      if (started.startedPostgres) await infra(['stop']);
    },
  };
}
