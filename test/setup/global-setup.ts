// Jest loads global set-up outside its module registry, so path aliases do not apply here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { ensureServers, type PlatformServers } from '../../infra/local/src';

declare global {
  var carelogServers: PlatformServers | undefined;
}

/** Real Kafka and Postgres for the whole run; workers inherit where to find them. */
export default async function globalSetup(): Promise<void> {
  const servers = await ensureServers((line) => process.stdout.write(`[test servers] ${line}\n`));
  process.env['KAFKA_BROKERS'] = servers.kafkaBrokers.join(',');
  process.env['DATABASE_URL'] = servers.databaseUrl;
  globalThis.carelogServers = servers;
}
