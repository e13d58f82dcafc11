import { LOCAL_KAFKA_PORT, startLocalKafka, waitForKafka, type StartedServer } from './kafka';
import { localDatabaseUrl, startLocalPostgres } from './postgres';

export interface PlatformServers {
  kafkaBrokers: string[];
  databaseUrl: string;
  /** Stops the servers this call started; servers it found running, or external ones, stay up. */
  stop(): Promise<void>;
}

const external: StartedServer = { startedHere: false, stop: () => Promise.resolve() };

async function stopAll(servers: StartedServer[]): Promise<void> {
  await Promise.all(servers.filter((server) => server.startedHere).map((server) => server.stop()));
}

/**
 * Makes a Kafka broker and a Postgres server available: the ones named by KAFKA_BROKERS
 * and DATABASE_URL when set, otherwise local ones under the project folder (started in
 * parallel, reused when already running).
 */
export async function ensureServers(
  log: (line: string) => void = console.log,
): Promise<PlatformServers> {
  const externalBrokers = process.env['KAFKA_BROKERS'];
  const externalDatabase = process.env['DATABASE_URL'];
  const kafkaBrokers = externalBrokers
    ? externalBrokers.split(',').map((broker) => broker.trim())
    : [`127.0.0.1:${LOCAL_KAFKA_PORT}`];
  const outcomes = await Promise.allSettled([
    externalBrokers ? waitForKafka(kafkaBrokers).then(() => external) : startLocalKafka(log),
    externalDatabase ? Promise.resolve(external) : startLocalPostgres(log),
  ]);
  const started = outcomes.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [outcome.value] : [],
  );
  const failure = outcomes.find(
    (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
  );
  if (failure) {
    await stopAll(started);
    throw failure.reason;
  }
  return {
    kafkaBrokers,
    databaseUrl: externalDatabase ?? localDatabaseUrl(),
    stop: () => stopAll(started),
  };
}
