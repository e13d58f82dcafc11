import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { mintLocalToken } from '@carelog/auth';
import { createKafka, ensureTopics, platformTopics, recordEntryTopics } from '@carelog/kafka';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { uniqueName } from '@carelog/testing';

const root = resolve(__dirname, '..', '..');
const localDir = resolve(process.env['CARELOG_LOCAL_DIR'] ?? join(root, '.local'));
// A venv of its own: the Python example's int spec installs into .local/python-venv, and two
// Jest workers creating or installing into one venv at once can break it.
const venv = join(localDir, 'schemathesis-venv');
const python = join(venv, 'bin', 'python');
const st = join(venv, 'bin', 'st');

/** Pinned: a newer schemathesis may add checks, which is a change to make on purpose. */
export const SCHEMATHESIS = 'schemathesis==4.32.5';
/** Test cases per operation and phase: enough to find what it finds, bounded for CI. */
const MAX_EXAMPLES = 4;

function ensureSchemathesis(): void {
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '-q', SCHEMATHESIS], { stdio: 'inherit' });
}

interface Run {
  code: number;
  output: string;
}

/** `st run` with every check and every phase (stateful included) against one service. */
async function schemathesis(service: RunningService, token: string, report: string): Promise<Run> {
  const run = await runSchemathesis(service, token, report);
  writeFileSync(report.replace(/\.junit\.xml$/, '.txt'), run.output);
  return run;
}

async function runSchemathesis(
  service: RunningService,
  token: string,
  report: string,
): Promise<Run> {
  try {
    const { stdout } = await promisify(execFile)(
      st,
      [
        '--config-file',
        join(__dirname, 'schemathesis.toml'),
        'run',
        `${service.baseUrl}/docs-json`,
        '--checks',
        'all',
        '--phases',
        'examples,coverage,fuzzing,stateful',
        '--max-examples',
        String(MAX_EXAMPLES),
        '--seed',
        '19',
        '--workers',
        '1',
        '--request-timeout',
        '30',
        '--suppress-health-check',
        'all',
        '--generation-database',
        'none',
        '--no-color',
        '--header',
        `Authorization: Bearer ${token}`,
        '--report',
        'junit',
        '--report-junit-path',
        report,
      ],
      { maxBuffer: 64 * 1024 * 1024, cwd: dirname(report) },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      output: `${failed.stdout ?? ''}\n${failed.stderr ?? ''}`,
    };
  }
}

/** The run's summary and its failures, not the progress lines before them. */
const summaryOf = (output: string): string => {
  const at = output.search(/^=+ (FAILURES|ERRORS|SUMMARY) =+$/m);
  return at < 0 ? output.slice(-6000) : output.slice(at, at + 20_000);
};

/**
 * schemathesis (PyPI) against the running record API and a producer, from their published
 * OpenAPI documents: every check, every phase (examples, coverage, fuzzing, and the stateful
 * phase that follows the documents' links), a bounded number of examples: 0 failures.
 */
describe('schemathesis against the published OpenAPI documents', () => {
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('schemathesis'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_schemathesis'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-schemathesis'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_schemathesis'),
  };
  const log = serviceLog('schemathesis.e2e');
  const saved = { ...process.env };
  const services: RunningService[] = [];
  const reports = join(localDir, 'test-logs', 'schemathesis');

  beforeAll(async () => {
    Object.assign(process.env, env);
    mkdirSync(reports, { recursive: true });
    ensureSchemathesis();
    const admin = createKafka('schemathesis-test').admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics());
    await admin.disconnect();
    const projection = startService({ name: 'projection', port: 4750, env, onOutput: log });
    services.push(projection);
    await waitForReady(projection);
    services.push(startService({ name: 'record-api', port: 4740, env, onOutput: log }));
    services.push(startService({ name: 'gp-records', port: 4741, env, onOutput: log }));
    await Promise.all(services.slice(1).map((service) => waitForReady(service)));
  }, 600_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    const admin = createKafka('schemathesis-test-cleanup').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: recordEntryTopics() }).catch(() => undefined);
    await admin.disconnect();
    process.env = saved;
  });

  const service = (name: string): RunningService => {
    const found = services.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };

  /** Both at once (each its own process), so the spec's time is the longer run's. */
  it('record API (as a patient) and gp-records (as a GP): 0 failures', async () => {
    const patient = await mintLocalToken({
      role: 'patient',
      organisation: 'NHSLOGIN',
      userId: 'patient-schemathesis',
      nhsNumber: '9434765919',
    });
    const gp = await mintLocalToken({ role: 'gp', organisation: 'A81001', userId: 'gp-st' });
    const runs = await Promise.all([
      schemathesis(service('record-api'), patient, join(reports, 'record-api.junit.xml')),
      schemathesis(service('gp-records'), gp, join(reports, 'gp-records.junit.xml')),
    ]);
    expect(runs.map((run) => ({ code: run.code, summary: summaryOf(run.output) }))).toEqual([
      { code: 0, summary: expect.stringMatching(/No issues found|passed/) as unknown },
      { code: 0, summary: expect.stringMatching(/No issues found|passed/) as unknown },
    ]);
  }, 900_000);
});
