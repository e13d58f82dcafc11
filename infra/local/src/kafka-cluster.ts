import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
// Jest's global set-up and the fault tests load this outside Nx's path aliases.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { KAFKA_ADMIN_USER, kafkaUser, serviceAccess } from '../../../libs/kafka/src/service-access';
import {
  ensureArtefacts,
  KAFKA_VERSION,
  libsDir,
  LOCAL_KAFKA_PORT,
  newKafkaClusterId,
} from './kafka';
import { localStateDir, repoRoot } from './paths';
import { isAlive, isPortOpen, readPid, runOrThrow, waitUntil } from './process-util';

/**
 * The production profile's Kafka: three KRaft nodes (each broker and controller) from the
 * same Maven Central artefacts as the single local broker; replication 3, min.insync.replicas
 * 2; clients only over SASL_SSL (SCRAM-SHA-512) with certificates from a local CA; the
 * StandardAuthorizer denies whatever the ACLs (libs/kafka/src/service-access.ts) do not allow.
 * Controllers talk to each other over mutual TLS; the admin user is the only super user
 * besides the brokers' own certificate.
 */
export const CLUSTER_SIZE = 3;
/**
 * Ports next to the single broker's (which has the port and the one above it): clients on
 * +2..+4, controllers on +5..+7, so both profiles can run side by side.
 */
export const clusterBrokerPort = (node: number): number => LOCAL_KAFKA_PORT + 1 + node;
const controllerPort = (node: number): number => LOCAL_KAFKA_PORT + 1 + CLUSTER_SIZE + node;
export const NODES = Array.from({ length: CLUSTER_SIZE }, (_, index) => index + 1);
export const clusterBrokers = (): string[] =>
  NODES.map((node) => `127.0.0.1:${clusterBrokerPort(node)}`);

export const clusterDir = join(localStateDir, 'kafka-production');
const tlsDir = join(clusterDir, 'tls');
const secretsDir = join(clusterDir, 'secrets');
export const CLUSTER_CA_FILE = join(tlsDir, 'ca.pem');
const nodeDir = (node: number): string => join(clusterDir, `node-${node}`);
const pidFile = (node: number): string => join(nodeDir(node), 'kafka.pid');
export const nodeLogFile = (node: number): string => join(nodeDir(node), 'server.log');
export const nodeDataDir = (node: number): string => join(nodeDir(node), 'data');
export const passwordFile = (user: string): string => join(secretsDir, `${user}.password`);
const BROKER_CERT_SUBJECT = 'CN=carelog-broker';

/** Every SCRAM user: the admin and each service's own principal. */
export const clusterUsers = (): string[] => [
  KAFKA_ADMIN_USER,
  ...serviceAccess().map((access) => access.user),
];

/** A local CA and one broker certificate (127.0.0.1, localhost), made once with openssl. */
async function ensureTls(): Promise<void> {
  if (existsSync(join(tlsDir, 'broker-keystore.pem'))) return;
  await mkdir(tlsDir, { recursive: true });
  const at = (name: string) => join(tlsDir, name);
  await runOrThrow('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '825',
    '-subj',
    '/CN=carelog local CA',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
  ]);
  await runOrThrow('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/${BROKER_CERT_SUBJECT}`,
    '-keyout',
    at('broker.key'),
    '-out',
    at('broker.csr'),
  ]);
  await writeFile(
    at('broker.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  await runOrThrow('openssl', [
    'x509',
    '-req',
    '-in',
    at('broker.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-days',
    '825',
    '-extfile',
    at('broker.ext'),
    '-out',
    at('broker.pem'),
  ]);
  // Kafka's PEM key store: the unencrypted PKCS#8 key followed by the certificate chain.
  const keystore = [
    await readFile(at('broker.key'), 'utf8'),
    await readFile(at('broker.pem'), 'utf8'),
    await readFile(at('ca.pem'), 'utf8'),
  ].join('');
  await writeFile(at('broker-keystore.pem'), keystore, { mode: 0o600 });
  await chmod(at('ca.key'), 0o600);
}

/** One random password per user, kept in a file only its owner may read. */
async function ensurePasswords(): Promise<void> {
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  for (const user of clusterUsers()) {
    if (existsSync(passwordFile(user))) continue;
    await writeFile(passwordFile(user), randomBytes(24).toString('base64url'), { mode: 0o600 });
  }
}

const readPassword = (user: string): Promise<string> =>
  readFile(passwordFile(user), 'utf8').then((text) => text.trim());

async function nodeProperties(node: number): Promise<string> {
  const adminPassword = await readPassword(KAFKA_ADMIN_USER);
  const voters = NODES.map((n) => `${n}@127.0.0.1:${controllerPort(n)}`).join(',');
  return [
    'process.roles=broker,controller',
    `node.id=${node}`,
    `controller.quorum.voters=${voters}`,
    `listeners=SASL_SSL://127.0.0.1:${clusterBrokerPort(node)},CONTROLLER://127.0.0.1:${controllerPort(node)}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${clusterBrokerPort(node)}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL',
    'inter.broker.listener.name=SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${KAFKA_ADMIN_USER}" password="${adminPassword}";`,
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${join(tlsDir, 'broker-keystore.pem')}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${CLUSTER_CA_FILE}`,
    'ssl.endpoint.identification.algorithm=https',
    // Controllers accept only the brokers' certificate.
    'listener.name.controller.ssl.client.auth=required',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${KAFKA_ADMIN_USER};User:${BROKER_CERT_SUBJECT}`,
    'allow.everyone.if.no.acl.found=false',
    `log.dirs=${nodeDataDir(node)}`,
    'num.partitions=6',
    'default.replication.factor=3',
    'min.insync.replicas=2',
    'unclean.leader.election.enable=false',
    'offsets.topic.replication.factor=3',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=3',
    'transaction.state.log.min.isr=2',
    'share.coordinator.state.topic.replication.factor=3',
    'share.coordinator.state.topic.min.isr=2',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

const propertiesFile = (node: number): string => join(nodeDir(node), 'server.properties');

/** Formats each node's storage once, with every user's SCRAM credentials in its metadata. */
async function ensureFormatted(): Promise<void> {
  const clusterIdFile = join(clusterDir, 'cluster.id');
  if (!existsSync(clusterIdFile)) await writeFile(clusterIdFile, newKafkaClusterId());
  const clusterId = (await readFile(clusterIdFile, 'utf8')).trim();
  const scram: string[] = [];
  for (const user of clusterUsers())
    scram.push('--add-scram', `SCRAM-SHA-512=[name=${user},password=${await readPassword(user)}]`);
  for (const node of NODES) {
    await mkdir(nodeDir(node), { recursive: true });
    await writeFile(propertiesFile(node), await nodeProperties(node), { mode: 0o600 });
    if (existsSync(join(nodeDataDir(node), 'meta.properties'))) continue;
    await runOrThrow('java', [
      '-cp',
      `${libsDir}/*`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      propertiesFile(node),
      ...scram,
    ]);
  }
}

/** kafkajs settings for a user of the cluster (the admin, or a service's principal). */
export async function clusterClientConfig(user: string): Promise<KafkaConfig> {
  return {
    clientId: `carelog-infra-${user}`,
    brokers: clusterBrokers(),
    ssl: { ca: [await readFile(CLUSTER_CA_FILE, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: user, password: await readPassword(user) },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
  };
}

/** The environment a service needs to connect as its own principal. */
export function clusterServiceEnv(service: string): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: clusterBrokers().join(','),
    CARELOG_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
    CARELOG_KAFKA_CA_FILE: CLUSTER_CA_FILE,
    CARELOG_KAFKA_SASL_MECHANISM: 'scram-sha-512',
    CARELOG_KAFKA_USERNAME: kafkaUser(service),
    CARELOG_KAFKA_PASSWORD_FILE: passwordFile(kafkaUser(service)),
  };
}

/** Starts one node's JVM in the background (its data kept); returns its process id. */
export async function startNode(node: number): Promise<number> {
  const running = await readPid(pidFile(node));
  if (running !== undefined) return running;
  if (await isPortOpen(clusterBrokerPort(node)))
    throw new Error(`Port ${clusterBrokerPort(node)} is in use by something carelog did not start`);
  const out = openSync(nodeLogFile(node), 'a');
  const child = spawn(
    'java',
    [
      '-Xms128m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      `-Dlog4j2.configurationFile=${join(repoRoot, 'infra', 'local', 'kafka', 'log4j2.xml')}`,
      '-cp',
      `${libsDir}/*`,
      'kafka.Kafka',
      propertiesFile(node),
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  if (child.pid === undefined) throw new Error(`Kafka node ${node} did not start`);
  await writeFile(pidFile(node), String(child.pid));
  return child.pid;
}

/** Ends a node at once, as a crash or a power cut would (SIGKILL). */
export async function killNode(node: number): Promise<void> {
  const pid = await readPid(pidFile(node));
  if (pid === undefined) return;
  process.kill(pid, 'SIGKILL');
  await waitUntil(`node ${node} to die`, () => Promise.resolve(!isAlive(pid)), {
    timeoutMs: 10_000,
  });
  await rm(pidFile(node), { force: true });
}

export const nodeRunning = async (node: number): Promise<boolean> =>
  (await readPid(pidFile(node))) !== undefined;

/** True once every partition of the internal offsets topic has all three replicas in sync. */
async function clusterAnswers(): Promise<boolean> {
  const admin = new Kafka({
    ...(await clusterClientConfig(KAFKA_ADMIN_USER)),
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    if (brokers.length < CLUSTER_SIZE) return false;
    await admin.fetchOffsets({ groupId: 'carelog-infra-probe', topics: [] });
    return true;
  } finally {
    await admin.disconnect();
  }
}

export async function waitForCluster(timeoutMs = 180_000): Promise<void> {
  await waitUntil(`the three-broker Kafka at ${clusterBrokers().join(',')}`, clusterAnswers, {
    timeoutMs,
    intervalMs: 1000,
  });
}

export async function startKafkaCluster(log: (line: string) => void): Promise<void> {
  await ensureArtefacts(log);
  await ensureTls();
  await ensurePasswords();
  await ensureFormatted();
  log(
    `Starting three Apache Kafka ${KAFKA_VERSION} nodes (KRaft, SASL_SSL) on ${clusterBrokers().join(',')}; logs in ${clusterDir}`,
  );
  for (const node of NODES) await startNode(node);
  await waitForCluster();
}

export async function stopKafkaCluster(): Promise<void> {
  await Promise.all(
    NODES.map(async (node) => {
      const pid = await readPid(pidFile(node));
      if (pid === undefined) return;
      process.kill(pid, 'SIGTERM');
      try {
        await waitUntil(`node ${node} to stop`, () => Promise.resolve(!isAlive(pid)), {
          timeoutMs: 30_000,
        });
      } catch {
        process.kill(pid, 'SIGKILL');
      }
      await rm(pidFile(node), { force: true });
    }),
  );
}
