export * from './entities';
export {
  readModelDataSource,
  migrateReadModel,
  migrateExclusively,
  configuredDatabaseUrl,
  servingSchema,
  DEFAULT_DATABASE_URL,
  DEFAULT_READ_MODEL_SCHEMA,
  type ReadModelOptions,
} from './data-source';
export {
  ReadModelVersions,
  readModelVersion,
  projectionGroupPrefix,
  type ReadModelVersion,
} from './read-model-versions';
export { ParameterFreeLogger } from './safe-logger';
export { recordAsAt, type EntryAsAt } from './as-at';
