import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RunningService } from '@carelog/local-infra';
import { schemathesisPlatform, type SchemathesisTokens } from './support/schemathesis-platform';

const root = resolve(__dirname, '..', '..');
const localDir = resolve(process.env['CARELOG_LOCAL_DIR'] ?? join(root, '.local'));
// A venv of its own: the Python example's int spec installs into .local/python-venv, and two
// Jest workers creating or installing into one venv at once can break it.
const venv = join(localDir, 'schemathesis-venv');
const python = join(venv, 'bin', 'python');
const st = join(venv, 'bin', 'st');

/** Pinned: a newer schemathesis may add checks, which is a change to make on purpose. */
export const SCHEMATHESIS = 'schemathesis==4.32.5';

function ensureSchemathesis(): void {
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '-q', SCHEMATHESIS], { stdio: 'inherit' });
}

interface Run {
  code: number;
  output: string;
  /** The links the stateful phase followed (a 2xx answer fed the next call), by schemathesis's id. */
  linksCovered: string[];
  /** The links it could follow: the documents' own and those it inferred. */
  linksSelected: number;
}

/** The NDJSON report's stateful scenarios: each transition applied, by its link's id. */
function linksCoveredIn(ndjson: string): string[] {
  const covered = new Set<string>();
  for (const line of readFileSync(ndjson, 'utf8').split('\n')) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    const scenario = (JSON.parse(line) as { ScenarioFinished: StatefulScenario }).ScenarioFinished;
    if (scenario.phase !== 'stateful') continue;
    for (const step of Object.values(scenario.recorder?.cases ?? {}))
      if (step.is_transition_applied && step.transition?.id) covered.add(step.transition.id);
  }
  return [...covered].sort();
}

interface StatefulScenario {
  phase: string;
  recorder?: {
    cases?: Record<string, { is_transition_applied?: boolean; transition?: { id?: string } }>;
  };
}

/**
 * `st run` with every check and every phase (stateful included) against one service, as the
 * identities test/e2e/schemathesis.toml names (ST_TOKEN the default).
 */
async function schemathesis(
  service: RunningService,
  env: Record<string, string>,
  report: string,
): Promise<Run> {
  const ndjson = report.replace(/\.junit\.xml$/, '.ndjson');
  const run = await runSchemathesis(service, env, report, ndjson);
  writeFileSync(report.replace(/\.junit\.xml$/, '.txt'), run.output);
  const selected = /API Links:\s+\d+ covered \/ (\d+) selected/.exec(run.output);
  return {
    ...run,
    linksCovered: existsSync(ndjson) ? linksCoveredIn(ndjson) : [],
    linksSelected: selected ? Number(selected[1]) : 0,
  };
}

async function runSchemathesis(
  service: RunningService,
  env: Record<string, string>,
  report: string,
  ndjson: string,
): Promise<{ code: number; output: string }> {
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
        '--report',
        'junit,ndjson',
        '--report-junit-path',
        report,
        '--report-ndjson-path',
        ndjson,
      ],
      {
        maxBuffer: 64 * 1024 * 1024,
        cwd: dirname(report),
        // The generators for carelog's own string formats (nhs-number, text, free-text, times).
        env: {
          ...process.env,
          ...env,
          SCHEMATHESIS_HOOKS: join(__dirname, 'schemathesis_hooks.py'),
        },
      },
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
 * The documents' links the stateful phase must follow (by schemathesis's id for each): those
 * whose source answers 2xx for the seeded patient whatever was generated before. The others
 * (a contribution to its entry, a task list to an acknowledgement, a record page to its first
 * entry) depend on what the run generated (a contribution type the patient may author, a task
 * list or a record page filtered to nothing); at least half of all the links selected must be
 * followed besides.
 */
const RECORD_API_LINKS = [
  'GET /v1/patients/{nhsNumber}/entries/{eventId} -> [200] history -> GET /v1/patients/{nhsNumber}/entries/{eventId}/history',
  'GET /v1/privacy/alerts -> [200] acknowledge -> POST /v1/privacy/alerts/{accessId}/acknowledge',
  'GET /v1/tasks -> [200] task -> GET /v1/tasks/{taskId}',
  'POST /v1/patients/{nhsNumber}/break-glass -> [201] record -> GET /v1/patients/{nhsNumber}/record',
  'POST /v1/patients/{nhsNumber}/relationship-claims -> [202] record -> GET /v1/patients/{nhsNumber}/record',
];
const GP_RECORDS_LINKS = [
  'POST /v1/entries -> [202] correct -> POST /v1/entries/{eventId}/corrections',
];

/**
 * schemathesis (PyPI) against the running record API and a producer, from their published
 * OpenAPI documents: every check, every phase (examples, coverage, fuzzing, and the stateful
 * phase that follows the documents' links), a bounded number of examples: 0 failures.
 */
describe('schemathesis against the published OpenAPI documents', () => {
  const platform = schemathesisPlatform('schemathesis', {
    api: 4740,
    gpRecords: 4741,
    notifications: 4742,
    projection: 4750,
  });
  const reports = join(localDir, 'test-logs', 'schemathesis');
  let seeded: { tokens: SchemathesisTokens; entryEventId: string };

  beforeAll(async () => {
    mkdirSync(reports, { recursive: true });
    ensureSchemathesis();
    seeded = await platform.start();
  }, 600_000);

  afterAll(() => platform.stop());

  /** Both at once (each its own process), so the spec's time is the longer run's. */
  it('record API (as its users), gp-records and notifications (as a GP): 0 failures, the links followed', async () => {
    const { tokens, entryEventId } = seeded;
    const identities = {
      ST_GP_TOKEN: tokens.gp,
      ST_OFFICER_TOKEN: tokens.officer,
      ST_UNRELATED_TOKEN: tokens.unrelated,
      ST_EVENT_ID: entryEventId,
    };
    const runs = await Promise.all([
      schemathesis(
        platform.service('record-api'),
        { ...identities, ST_TOKEN: tokens.patient },
        join(reports, 'record-api.junit.xml'),
      ),
      schemathesis(
        platform.service('gp-records'),
        { ...identities, ST_TOKEN: tokens.gp },
        join(reports, 'gp-records.junit.xml'),
      ),
      schemathesis(
        platform.service('notifications'),
        { ...identities, ST_TOKEN: tokens.gp },
        join(reports, 'notifications.junit.xml'),
      ),
    ]);
    expect(runs.map((run) => ({ code: run.code, summary: summaryOf(run.output) }))).toEqual([
      { code: 0, summary: expect.stringMatching(/No issues found|passed/) as unknown },
      { code: 0, summary: expect.stringMatching(/No issues found|passed/) as unknown },
      { code: 0, summary: expect.stringMatching(/No issues found|passed/) as unknown },
    ]);
    const [recordApi, gpRecords] = runs;
    // The stateful phase follows the links: a regression to none followed (the operations they
    // start from refusing the test's callers) fails here. Most are followed; the report lists which.
    expect(recordApi?.linksCovered).toEqual(expect.arrayContaining(RECORD_API_LINKS));
    expect(gpRecords?.linksCovered).toEqual(expect.arrayContaining(GP_RECORDS_LINKS));
    for (const run of [recordApi, gpRecords])
      expect((run?.linksCovered.length ?? 0) * 2).toBeGreaterThanOrEqual(run?.linksSelected ?? 1);
  }, 900_000);
});
