export * from './entities';
export {
  readModelDataSource,
  migrateReadModel,
  migrateExclusively,
  configuredDatabaseUrl,
  DEFAULT_DATABASE_URL,
  DEFAULT_READ_MODEL_SCHEMA,
  type ReadModelOptions,
} from './data-source';
export { ParameterFreeLogger } from './safe-logger';
