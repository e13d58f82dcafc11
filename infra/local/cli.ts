import { Kafka } from 'kafkajs';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { applyServiceAccess, KAFKA_ADMIN_USER } from '../../libs/kafka/src';
import {
  ensureServers,
  productionDatabaseUrl,
  startLocalPostgres,
  stopLocalKafka,
  stopLocalPostgres,
} from './src';
import {
  clusterBrokers,
  clusterClientConfig,
  NODES,
  nodeRunning,
  startKafkaCluster,
  stopKafkaCluster,
} from './src/kafka-cluster';
import { startProductionServices } from './src/production-services';

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
};

/**
 * `--profile production`: three SASL_SSL brokers with the ACLs applied and Postgres with its
 * roles; `--services` also starts the services (two instances of projection, record API and
 * notifications) and stays in the foreground until Ctrl-C. The last line of `start` is a
 * JSON object saying which servers it started, for the fault tests' set-up.
 */
async function startProduction(withServices: boolean): Promise<void> {
  const clusterWasUp = (await Promise.all(NODES.map(nodeRunning))).every(Boolean);
  const [postgres] = await Promise.all([
    startLocalPostgres(console.log),
    startKafkaCluster(console.log),
  ]);
  const admin = new Kafka(await clusterClientConfig(KAFKA_ADMIN_USER)).admin();
  await admin.connect();
  try {
    console.log(`Topics ensured; ${await applyServiceAccess(admin)} ACL bindings applied.`);
  } finally {
    await admin.disconnect();
  }
  console.log(`Kafka (SASL_SSL): ${clusterBrokers().join(',')}`);
  console.log(`Postgres (its own database): ${productionDatabaseUrl()}`);
  if (withServices) {
    const platform = await startProductionServices({ onOutput: (line) => console.log(line) });
    console.log('ready (production profile); Ctrl-C stops the services');
    const stop = () => void platform.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  console.log(
    JSON.stringify({ startedCluster: !clusterWasUp, startedPostgres: postgres.startedHere }),
  );
}

/** `npm run infra:start` / `npm run infra:stop`: the local servers on their own. */
async function main(command: string): Promise<void> {
  const production = option('profile') === 'production';
  if (option('profile') !== undefined && !production)
    throw new Error(`unknown profile ${option('profile')} (there is: production)`);
  switch (command) {
    case 'start': {
      if (production) return startProduction(process.argv.includes('--services'));
      const servers = await ensureServers();
      console.log(`Kafka: ${servers.kafkaBrokers.join(',')}\nPostgres: ${servers.databaseUrl}`);
      return;
    }
    case 'stop':
      if (production) {
        await stopKafkaCluster();
        console.log('Local three-broker Kafka stopped.');
        return;
      }
      await Promise.all([stopLocalKafka(), stopLocalPostgres()]);
      console.log('Local Kafka and Postgres stopped.');
      return;
    default:
      throw new Error(
        `usage: cli.ts start|stop [--profile production [--services]] (got ${command || 'nothing'})`,
      );
  }
}

main(process.argv[2] ?? '').catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
