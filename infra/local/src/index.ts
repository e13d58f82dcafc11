export { ensureServers, type PlatformServers } from './servers';
export {
  startLocalKafka,
  stopLocalKafka,
  waitForKafka,
  LOCAL_KAFKA_PORT,
  KAFKA_VERSION,
} from './kafka';
export {
  startLocalPostgres,
  stopLocalPostgres,
  localDatabaseUrl,
  productionDatabaseUrl,
  LOCAL_POSTGRES_PORT,
} from './postgres';
export { waitUntil, isPortOpen } from './process-util';
export { repoRoot, localStateDir } from './paths';
export {
  PLATFORM_SERVICES,
  WEB_APP,
  codeSource,
  nodeArguments,
  type CodeSource,
  serviceDatabaseEnv,
  startService,
  waitForReady,
  type RunningService,
  type ServiceName,
} from './services';
export { serviceLog } from './service-log';
export {
  buildDist,
  distDir,
  distPath,
  serviceDistEntry,
  RUNTIME_TOOLS,
  type RuntimeTool,
  type BuildResult,
} from './build';
