import { ensureServers, stopLocalKafka, stopLocalPostgres } from './src';

/** `npm run infra:start` / `npm run infra:stop`: the local servers on their own. */
async function main(command: string): Promise<void> {
  switch (command) {
    case 'start': {
      const servers = await ensureServers();
      console.log(`Kafka: ${servers.kafkaBrokers.join(',')}\nPostgres: ${servers.databaseUrl}`);
      return;
    }
    case 'stop':
      await Promise.all([stopLocalKafka(), stopLocalPostgres()]);
      console.log('Local Kafka and Postgres stopped.');
      return;
    default:
      throw new Error(`usage: cli.ts start|stop (got ${command || 'nothing'})`);
  }
}

main(process.argv[2] ?? '').catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
