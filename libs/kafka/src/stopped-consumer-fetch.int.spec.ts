import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, uniqueName } from '@carelog/testing';

const scenario = join(__dirname, 'stopped-consumer-fetch.scenario.ts');
const repoRoot = join(__dirname, '../../..');
/** Clock ticks a second, as /proc counts CPU time (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface Scenario {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the staged stop (stopped-consumer-fetch.scenario.ts) in a process of its own. */
function run(mode: 'fixed' | 'unfixed'): Scenario {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', scenario, mode, uniqueName('stopped-fetch'), uniqueName('g')],
    { cwd: repoRoot, env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output: () => output, exited };
}

/** Seconds of CPU a running process has used (user and system), from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * kafkajs freezes a process when a consumer is stopped while its fetchers are rebuilt after the
 * broker list changed (stopped-consumer-fetch.ts). The fault tests met it as a projection
 * instance that never followed a rebuild switch; here it is staged on the real broker.
 */
describe('stopping a consumer while its fetchers are rebuilt', () => {
  const started: Scenario[] = [];
  afterAll(() => started.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL')));

  it('given plain kafkajs 2.2.4, then the process spins and disconnect never returns (the defect the fix is for is still there)', async () => {
    const unfixed = run('unfixed');
    started.push(unfixed);
    await eventually(() => expect(unfixed.output()).toContain('stopping'), { timeoutMs: 60_000 });
    const pid = unfixed.child.pid ?? -1;
    const before = cpuSeconds(pid);
    // A stopped consumer has nothing to do; this one keeps a core busy and never says "stopped".
    await eventually(() => expect(cpuSeconds(pid) - before).toBeGreaterThan(5), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    expect(unfixed.output()).not.toContain('stopped');
    unfixed.child.kill('SIGKILL');
    await unfixed.exited;
  }, 150_000);

  it('given a client from createKafka, then the consumer stops and the process exits', async () => {
    const fixed = run('fixed');
    started.push(fixed);
    const code = await Promise.race([
      fixed.exited,
      new Promise<'still running'>((resolve) =>
        setTimeout(() => resolve('still running'), 60_000).unref(),
      ),
    ]);
    expect(fixed.output()).toContain('stopping');
    expect(fixed.output()).toMatch(/stopped \(1 batch handled\)/);
    expect(code).toBe(0);
  }, 90_000);
});
