// Jest loads global set-up outside its module registry, so path aliases do not apply here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildDist, codeSource, ensureServers, type PlatformServers } from '../../infra/local/src';

declare global {
  var carelogServers: PlatformServers | undefined;
}

/**
 * Real Kafka and Postgres for the whole run; workers inherit where to find them. The services
 * and tools the tests start run as deployed, from the compiled dist/ (brought up to date here,
 * in about a second); CARELOG_SERVICES_FROM=source runs them from the TypeScript instead.
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stdout.write(`[test servers] ${line}\n`);
  process.env['CARELOG_SERVICES_FROM'] ||= 'dist';
  if (codeSource() === 'dist') {
    const built = await buildDist({ incremental: true });
    log(
      `services and tools run from dist/ (build: ${built.compiled} compiled, ${built.copied} copied, ${built.unchanged} unchanged, ${built.ms} ms)`,
    );
  } else log('services and tools run from their TypeScript sources');
  const servers = await ensureServers(log);
  process.env['KAFKA_BROKERS'] = servers.kafkaBrokers.join(',');
  process.env['DATABASE_URL'] = servers.databaseUrl;
  globalThis.carelogServers = servers;
}
