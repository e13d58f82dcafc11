import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { cacheDir, localStateDir, repoRoot } from './paths';
import { isAlive, isPortOpen, readPid, runOrThrow, waitUntil } from './process-util';

/**
 * A real single-node Apache Kafka in KRaft mode (combined broker and controller), run from
 * the official artefacts on Maven Central. No Docker: Java 17 and Maven are all it needs.
 */
export const KAFKA_VERSION = readKafkaVersion();
export const LOCAL_KAFKA_PORT = Number(process.env['CARELOG_KAFKA_PORT'] ?? 19092);
const CONTROLLER_PORT = LOCAL_KAFKA_PORT + 1;

const kafkaDir = join(localStateDir, 'kafka');
const dataDir = join(kafkaDir, 'data');
const pidFile = join(kafkaDir, 'kafka.pid');
const logFile = join(kafkaDir, 'server.log');
export const libsDir = join(cacheDir, 'kafka', KAFKA_VERSION, 'libs');
const pomFile = join(repoRoot, 'infra', 'local', 'kafka', 'pom.xml');

function readKafkaVersion(): string {
  // The pom is the one place the version is written; read it so the two cannot drift.
  const pom = readFileSync(join(repoRoot, 'infra', 'local', 'kafka', 'pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error('infra/local/kafka/pom.xml has no <kafka.version>');
  return match[1];
}

export interface StartedServer {
  /** False when a server was already running and was reused: stop() then leaves it alone. */
  startedHere: boolean;
  stop(): Promise<void>;
}

/** Resolves the broker's jars from Maven Central into the cache, once. */
export async function ensureArtefacts(log: (line: string) => void): Promise<void> {
  const marker = join(libsDir, '.complete');
  if (existsSync(marker)) return;
  log(`Resolving Apache Kafka ${KAFKA_VERSION} from Maven Central into ${libsDir} ...`);
  await rm(libsDir, { recursive: true, force: true });
  await runOrThrow('mvn', [
    '-q',
    '-B',
    '-f',
    pomFile,
    `-Dmaven.repo.local=${join(cacheDir, 'm2')}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${libsDir}`,
    '-DincludeScope=runtime',
  ]);
  await writeFile(marker, new Date().toISOString());
}

function serverProperties(): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}`,
    `listeners=PLAINTEXT://127.0.0.1:${LOCAL_KAFKA_PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${LOCAL_KAFKA_PORT}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=6',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics are created by the platform with their settings (docs/architecture.md, "Topics"), never by accident.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

async function brokerAnswers(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    brokers,
    clientId: 'carelog-infra-probe',
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    // The group coordinator loads after the broker listens; consumers fail until it has.
    await admin.fetchOffsets({ groupId: 'carelog-infra-probe', topics: [] });
    return true;
  } finally {
    await admin.disconnect();
  }
}

export async function waitForKafka(brokers: string[], timeoutMs = 90_000): Promise<void> {
  await waitUntil(`Kafka at ${brokers.join(',')}`, () => brokerAnswers(brokers), {
    timeoutMs,
    intervalMs: 500,
  });
}

export async function startLocalKafka(log: (line: string) => void): Promise<StartedServer> {
  const brokers = [`127.0.0.1:${LOCAL_KAFKA_PORT}`];
  const existingPid = await readPid(pidFile);
  if (existingPid !== undefined) {
    await waitForKafka(brokers);
    return { startedHere: false, stop: () => Promise.resolve() };
  }
  if (await isPortOpen(LOCAL_KAFKA_PORT)) {
    throw new Error(
      `Port ${LOCAL_KAFKA_PORT} is in use by something carelog did not start. Stop it, set CARELOG_KAFKA_PORT, or point KAFKA_BROKERS at it.`,
    );
  }
  await ensureArtefacts(log);
  await mkdir(kafkaDir, { recursive: true });
  const propertiesFile = join(kafkaDir, 'server.properties');
  await writeFile(propertiesFile, serverProperties());
  const classpath = `${libsDir}/*`;
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const clusterId = newKafkaClusterId();
    await runOrThrow('java', [
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      propertiesFile,
    ]);
  }
  log(
    `Starting Apache Kafka ${KAFKA_VERSION} (KRaft) on 127.0.0.1:${LOCAL_KAFKA_PORT}; log in ${logFile}`,
  );
  const out = openSync(logFile, 'a');
  const child = spawn(
    'java',
    [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      `-Dlog4j2.configurationFile=${join(repoRoot, 'infra', 'local', 'kafka', 'log4j2.xml')}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      propertiesFile,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  if (child.pid === undefined) throw new Error('Kafka did not start: no process id');
  await writeFile(pidFile, String(child.pid));
  try {
    await waitForKafka(brokers);
  } catch (error) {
    const tail = (await readFile(logFile, 'utf8').catch(() => ''))
      .split('\n')
      .slice(-20)
      .join('\n');
    await stopLocalKafka();
    throw new Error(`${(error as Error).message}\nLast lines of ${logFile}:\n${tail}`);
  }
  return { startedHere: true, stop: stopLocalKafka };
}

export async function stopLocalKafka(): Promise<void> {
  const pid = await readPid(pidFile);
  if (pid === undefined) return;
  process.kill(pid, 'SIGTERM');
  try {
    await waitUntil('Kafka to stop', () => Promise.resolve(!isAlive(pid)), { timeoutMs: 30_000 });
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  await rm(pidFile, { force: true });
}

/**
 * A random KRaft cluster id (16 bytes, base64url) that does not start with '-': the storage
 * tool would read one that does as an option (Kafka's own Uuid.randomUuid avoids it too).
 */
export function newKafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url').slice(0, 22);
    if (!id.startsWith('-')) return id;
  }
}
