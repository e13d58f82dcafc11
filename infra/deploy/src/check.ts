import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';
import { PLATFORM_SERVICES, repoRoot, WEB_APP } from '@carelog/local-infra';
import { chartTopics, chartUsers } from './chart-data';

/**
 * `npm run deploy:check`: the Dockerfile linted (dockerfile-utils) and the Helm chart checked
 * with the real tools, as far as this machine allows (no container engine, no cluster):
 * `helm lint --strict` and `helm template` for the
 * default values and for an external Kafka; the rendered manifests' own rules (below); and
 * kubeconform against the Kubernetes OpenAPI schemas when it and they are there. helm and
 * kubeconform are built from the Go module proxy when missing; with no Go it says so and
 * skips (exit 0): it is never part of `npm test`.
 */
const HELM_VERSION = 'v3.19.0';
const KUBECONFORM_VERSION = 'v0.7.0';
/** Where the Kubernetes OpenAPI comes from: the k8s.io/kubernetes Go module. */
const KUBERNETES_VERSION = '1.34.1';
const KUBERNETES_MODULE = `k8s.io/kubernetes@v${KUBERNETES_VERSION}`;
const chart = join(repoRoot, 'infra', 'helm', 'carelog');
const work = join(repoRoot, '.cache', 'deploy-check');

const log = (line: string) => console.log(`[deploy:check] ${line}`);
let failures = 0;
const fail = (line: string) => {
  failures++;
  console.log(`[deploy:check] FAIL ${line}`);
};

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const goBin = (): string | undefined => {
  const gopath = run('go', ['env', 'GOPATH']);
  return gopath.status === 0 ? join(gopath.stdout.trim(), 'bin') : undefined;
};

/** A tool on PATH or in GOPATH/bin, else `go install` it; undefined with no Go. */
function tool(name: string, module: string): string | undefined {
  if (run(name, ['version']).status === 0) return name;
  const bin = goBin();
  if (!bin) return undefined;
  const installed = join(bin, name);
  if (existsSync(installed)) return installed;
  log(`building ${name} from the Go module proxy (${module}); this takes minutes`);
  const built = run('go', ['install', module], { ...process.env, GOFLAGS: '-mod=mod' });
  if (built.status !== 0) throw new Error(`go install ${module} failed:\n${built.stderr}`);
  return installed;
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function render(helm: string, name: string, args: string[]): Manifest[] {
  // Rendered for the Kubernetes version whose schemas kubeconform checks them against.
  const lint = run(helm, [
    'lint',
    '--strict',
    '--kube-version',
    KUBERNETES_VERSION,
    chart,
    ...args,
  ]);
  if (lint.status !== 0) fail(`helm lint (${name}):\n${lint.stdout}${lint.stderr}`);
  else log(`helm lint --strict (${name}): ${lint.stdout.trim().split('\n').pop() ?? ''}`);
  const rendered = run(helm, [
    'template',
    'carelog',
    chart,
    '--kube-version',
    KUBERNETES_VERSION,
    ...args,
  ]);
  if (rendered.status !== 0) {
    fail(`helm template (${name}):\n${rendered.stderr}`);
    return [];
  }
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, `${name}.yaml`), rendered.stdout);
  const documents = parseAllDocuments(rendered.stdout);
  for (const document of documents)
    for (const error of document.errors) fail(`${name}: YAML ${error.message}`);
  const manifests = documents
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
  log(`helm template (${name}): ${manifests.length} manifests`);
  return manifests;
}

interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { httpGet?: { path?: string } };
  livenessProbe?: { httpGet?: { path?: string } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}

/** What the chart promises, checked on what it renders. */
function checkManifests(name: string, manifests: Manifest[], strimzi: boolean): void {
  const of = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
  const names = new Set<string>();
  for (const manifest of manifests) {
    const key = `${manifest.kind}/${manifest.metadata.name}`;
    if (names.has(key)) fail(`${name}: ${key} twice`);
    names.add(key);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(manifest.metadata.name))
      fail(`${name}: ${key} is not a valid Kubernetes name`);
  }
  for (const service of [...PLATFORM_SERVICES, WEB_APP]) {
    const deployment = of('Deployment').find(
      (manifest) => manifest.metadata.name === `carelog-${service.name}`,
    );
    const pod = (deployment?.spec?.['template'] as { spec?: Record<string, unknown> } | undefined)
      ?.spec;
    const container = (pod?.['containers'] as Container[] | undefined)?.[0];
    if (!container) {
      fail(`${name}: no Deployment for ${service.name}`);
      continue;
    }
    const env = new Map((container.env ?? []).map((variable) => [variable.name, variable.value]));
    const problems = [
      container.args?.[0] !== service.name && 'does not run its own name',
      env.get(service.portVariable) !== String(service.port) &&
        `${service.portVariable} is not ${service.port}`,
      container.readinessProbe?.httpGet?.path !== '/health/ready' &&
        'readiness is not /health/ready',
      container.livenessProbe?.httpGet?.path !== '/health/live' && 'liveness is not /health/live',
      !container.resources?.requests?.['memory'] && 'no memory request',
      !container.resources?.limits?.['memory'] && 'no memory limit',
      (pod?.['securityContext'] as { runAsNonRoot?: boolean } | undefined)?.runAsNonRoot !== true &&
        'may run as root',
      container.securityContext?.readOnlyRootFilesystem !== true && 'writable root filesystem',
      container.securityContext?.allowPrivilegeEscalation !== false && 'may escalate privileges',
      // The web app holds no database credentials; it calls the record API in the cluster.
      service.name === WEB_APP.name && env.has('DATABASE_URL') && 'has a database URL',
      service.name === WEB_APP.name &&
        env.get('CARELOG_WEB_RECORD_API_URL') !== 'http://carelog-record-api:3100' &&
        'does not call the record API in the cluster',
      service.name === WEB_APP.name &&
        !(container.env ?? []).some((variable) => variable.name === 'CARELOG_WEB_SESSION_KEY') &&
        'has no session key',
      service.name === WEB_APP.name &&
        !env.get('CARELOG_WEB_BASE_URL')?.startsWith('https://') &&
        'has no https base URL for sign-in',
    ].filter(Boolean);
    for (const problem of problems) fail(`${name}: ${service.name} ${String(problem)}`);
  }
  if (!strimzi) {
    if (of('Kafka').length + of('KafkaTopic').length + of('KafkaUser').length > 0)
      fail(`${name}: Strimzi resources rendered with kafka.strimzi=false`);
    return;
  }
  const topics = new Map(
    of('KafkaTopic').map((topic) => [String(topic.spec?.['topicName']), topic.spec]),
  );
  for (const topic of chartTopics()) {
    const rendered = topics.get(topic.name);
    if (!rendered) fail(`${name}: no KafkaTopic for ${topic.name}`);
    else if (rendered['replicas'] !== 3) fail(`${name}: ${topic.name} replicas is not 3`);
  }
  const users = new Set(of('KafkaUser').map((user) => user.metadata.name));
  for (const user of chartUsers())
    if (!users.has(user.name)) fail(`${name}: no KafkaUser ${user.name}`);
  for (const resource of [...of('KafkaTopic'), ...of('KafkaUser'), ...of('KafkaNodePool')])
    if (resource.metadata.labels?.['strimzi.io/cluster'] !== 'carelog')
      fail(`${name}: ${resource.kind}/${resource.metadata.name} has no strimzi.io/cluster label`);
  log(
    `${name}: ${PLATFORM_SERVICES.length} services and the web app, ${topics.size} KafkaTopics, ${users.size} KafkaUsers checked`,
  );
}

/**
 * Standalone JSON schemas (kubeconform's `{{.ResourceKind}}{{.KindSuffix}}.json`) from the
 * Kubernetes OpenAPI v2 document in the k8s.io/kubernetes module: one file per kind pointing
 * into `_definitions.json`, strict (no property the schema does not name).
 */
function kubernetesSchemas(): string | undefined {
  const target = join(work, 'schemas');
  if (existsSync(join(target, '_definitions.json'))) return target;
  const downloaded = run('go', ['mod', 'download', '-json', KUBERNETES_MODULE]);
  if (downloaded.status !== 0) {
    log(`no Kubernetes OpenAPI (go mod download ${KUBERNETES_MODULE} failed)`);
    return undefined;
  }
  const { Dir } = JSON.parse(downloaded.stdout) as { Dir: string };
  const swagger = JSON.parse(
    readFileSync(join(Dir, 'api', 'openapi-spec', 'swagger.json'), 'utf8'),
  ) as { definitions: Record<string, Record<string, unknown>> };
  const strict = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(strict);
    if (schema === null || typeof schema !== 'object') return schema;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema))
      copy[key] =
        key === '$ref' && typeof value === 'string'
          ? value.replace('#/definitions/', '_definitions.json#/definitions/')
          : strict(value);
    if (copy['properties'] && copy['additionalProperties'] === undefined)
      copy['additionalProperties'] = false;
    // int-or-string fields.
    if (copy['format'] === 'int-or-string') {
      delete copy['type'];
      copy['oneOf'] = [{ type: 'string' }, { type: 'integer' }];
    }
    return copy;
  };
  mkdirSync(target, { recursive: true });
  writeFileSync(
    join(target, '_definitions.json'),
    JSON.stringify({ definitions: strict(swagger.definitions) }),
  );
  for (const [id, definition] of Object.entries(swagger.definitions)) {
    const kinds = definition['x-kubernetes-group-version-kind'] as
      Array<{ group: string; version: string; kind: string }> | undefined;
    for (const { group, version, kind } of kinds ?? []) {
      const suffix = group ? `-${group.split('.')[0]}-${version}` : `-${version}`;
      writeFileSync(
        join(target, `${kind.toLowerCase()}${suffix}.json`),
        JSON.stringify({ $ref: `_definitions.json#/definitions/${id}` }),
      );
    }
  }
  log(`Kubernetes schemas from ${KUBERNETES_MODULE}: ${readdirSync(target).length} files`);
  return target;
}

function kubeconform(binary: string, schemas: string, files: string[]): void {
  const result = run(binary, [
    '-strict',
    '-summary',
    '-schema-location',
    join(schemas, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    // Strimzi's kinds have no schema here (its CRDs are not on the Go module proxy): they
    // are checked by checkManifests above.
    '-skip',
    'Kafka,KafkaNodePool,KafkaTopic,KafkaUser',
    ...files,
  ]);
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status !== 0) fail(`kubeconform:\n${output}`);
  else log(`kubeconform -strict: ${output.split('\n').pop() ?? ''}`);
}

/** The Dockerfile through a real Dockerfile linter (dockerfile-utils: syntax, instructions). */
function lintDockerfile(): void {
  const file = join(repoRoot, 'Dockerfile');
  const problems = validate(readFileSync(file, 'utf8'));
  for (const { range, message } of problems)
    fail(
      `Dockerfile line ${range.start.line + 1}: ${typeof message === 'string' ? message : message.value}`,
    );
  if (problems.length === 0) log('Dockerfile: dockerfile-utils lint found nothing');
}

function main(): void {
  lintDockerfile();
  if (run('go', ['version']).status !== 0 && run('helm', ['version']).status !== 0) {
    log('SKIPPED: neither helm nor Go is installed (helm is built from the Go module proxy)');
    process.exitCode = failures === 0 ? 0 : 1;
    return;
  }
  const helm = tool('helm', `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`);
  if (!helm) {
    log('SKIPPED: no helm and no Go to build it with');
    process.exitCode = failures === 0 ? 0 : 1;
    return;
  }
  log(run(helm, ['version', '--short']).stdout.trim());
  const external = [
    '--set',
    'kafka.strimzi=false,kafka.external.bootstrapServers=kafka.example:9093,kafka.external.caSecret=kafka-ca',
    '--set',
    'secrets.create=true,postgres.migrateOnStart=false',
  ];
  checkManifests('default', render(helm, 'default', []), true);
  checkManifests('external-kafka', render(helm, 'external-kafka', external), false);
  const conform = tool(
    'kubeconform',
    `github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}`,
  );
  const schemas = conform ? kubernetesSchemas() : undefined;
  if (conform && schemas)
    kubeconform(conform, schemas, [join(work, 'default.yaml'), join(work, 'external-kafka.yaml')]);
  else log('NOT RUN: kubeconform (no kubeconform or no Kubernetes schemas)');
  log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
  process.exitCode = failures === 0 ? 0 : 1;
}

main();
