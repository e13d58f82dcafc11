import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The Prometheus alert rules and the Grafana dashboard in infra/monitoring, checked with
 * promtool (built from the Go module proxy when it is not installed, as deploy:check builds
 * helm and kubeconform): the rules are valid and their unit tests pass, every dashboard query
 * is valid PromQL, and every carelog metric they name is one the code defines.
 */
const repoRoot = resolve(__dirname, '..', '..', '..');
const monitoring = join(repoRoot, 'infra', 'monitoring');
const PROMTOOL_MODULE = 'github.com/prometheus/prometheus/cmd/promtool@v0.316.0';

const run = (command: string, args: string[], cwd = monitoring) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 1_500_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
};

function promtool(): string {
  if (run('promtool', ['--version']).status === 0) return 'promtool';
  const gopath = run('go', ['env', 'GOPATH']);
  if (gopath.status !== 0)
    throw new Error('promtool is not installed and there is no Go to build it');
  const installed = join(gopath.output.trim(), 'bin', 'promtool');
  if (!existsSync(installed)) {
    const built = run('go', ['install', PROMTOOL_MODULE], repoRoot);
    if (built.status !== 0)
      throw new Error(`go install ${PROMTOOL_MODULE} failed:\n${built.output}`);
  }
  return installed;
}

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}
const dashboard = JSON.parse(
  readFileSync(join(monitoring, 'grafana-dashboard.json'), 'utf8'),
) as Dashboard;

/** Metric names the TypeScript code declares (`name: 'carelog_…'`). */
function declaredMetrics(): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'node_modules' || entry === 'generated') continue;
      if (statSync(path).isDirectory()) visit(path);
      else if (entry.endsWith('.ts') && !entry.endsWith('.spec.ts'))
        for (const match of readFileSync(path, 'utf8').matchAll(/name: '(carelog_[a-z_]+)'/g))
          if (match[1]) names.add(match[1]);
    }
  };
  visit(join(repoRoot, 'libs'));
  visit(join(repoRoot, 'services'));
  return names;
}

/** A rules file recording each expression: `promtool check rules` then parses them. */
function asRecordingRules(expressions: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'carelog-dashboard-'));
  const file = join(dir, 'dashboard-queries.yml');
  const rules = expressions
    .map(
      (expr, i) =>
        `      - record: carelog:dashboard:panel_${i}\n        expr: ${JSON.stringify(expr)}`,
    )
    .join('\n');
  writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
  return file;
}

describe('monitoring: alert rules and dashboard (promtool)', () => {
  let tool: string;
  beforeAll(() => {
    tool = promtool();
  }, 1_600_000);

  it('has valid alert rules', () => {
    const checked = run(tool, ['check', 'rules', 'alerts.yml']);
    expect(checked.output).toContain('SUCCESS');
    expect(checked.status).toBe(0);
  });

  it('passes the rules’ unit tests: each alert fires on what should raise it, not before', () => {
    const tested = run(tool, ['test', 'rules', 'alerts.test.yml']);
    expect(tested.output).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });

  it('has a valid PromQL query in every dashboard panel', () => {
    const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr));
    expect(expressions.length).toBeGreaterThanOrEqual(8);
    const checked = run(tool, ['check', 'rules', asRecordingRules(expressions)]);
    expect(checked.status).toBe(0);
    // The same check refuses a broken query, so it can fail.
    expect(
      run(tool, ['check', 'rules', asRecordingRules(['sum by (job (rate(x[5m]))'])]).status,
    ).not.toBe(0);
  });

  it('names only metrics the services define', () => {
    const declared = declaredMetrics();
    const text = `${readFileSync(join(monitoring, 'alerts.yml'), 'utf8')}${JSON.stringify(dashboard)}`;
    const used = new Set(
      [...text.matchAll(/\b(carelog_[a-z_]+)/g)].map((match) =>
        (match[1] ?? '').replace(/_(bucket|count|sum)$/, ''),
      ),
    );
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !declared.has(name))).toEqual([]);
  });
});
