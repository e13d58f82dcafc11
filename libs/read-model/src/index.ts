export * from './entities';
export {
  readModelDataSource,
  migrateReadModel,
  migrateExclusively,
  asOwner,
  migrationDatabaseUrl,
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
export {
  rolesSql,
  roleDatabaseUrl,
  rolePassword,
  serviceRole,
  schemaGrantsSql,
  SERVICE_ROLES,
  OWNER_ROLE,
  DEFAULT_SCHEMAS,
  type PlatformSchemas,
  type SchemaKey,
  type ServiceRole,
} from './database-roles';
export {
  CheckpointStore,
  type CheckpointSql,
  type CheckpointTable,
  type PartitionRef,
  type StoredCheckpoint,
} from './checkpoint-store';
export { readTaskSteps, taskStepOf, type TaskStepRead } from './task-steps';
export {
  carerApprovalOf,
  consentFactsOf,
  consentInForceOf,
  readConsentDecisions,
  readConsentsInForce,
  sealOf,
  shareOf,
  type CarerApprovalFact,
  type ConsentDecisionRead,
  type ConsentInForce,
  type ConsentSql,
  type SealFact,
  type ShareFact,
} from './consent-facts';
export { rulePayloadSql, sortedCategoriesSql, type RecordSummaryGroup } from './record-summary';
