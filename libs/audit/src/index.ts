export {
  ACCESS_ACTIONS,
  type AccessAction,
  type AccessActor,
  type AccessEvent,
  type AccessOutcome,
  type BreakGlassGrant,
  type PrivacyReview,
  type RelationshipClaim,
} from './access-event';
export {
  AuditTrail,
  AuditPublishError,
  ACCESS_LOG_MAX_LIMIT,
  ALERT_KINDS,
  ALERT_OUTCOMES,
  DEFAULT_REFUSALS_BEFORE_ALERT,
  type AlertKind,
  type AlertOutcome,
  type ReviewScope,
  type AccessEventMessage,
  type AccessLogEntry,
  type PrivacyOfficerAlert,
  type RecordedAccessEvent,
} from './audit-trail';
export { auditDataSource, auditSchema, type AuditDataSourceOptions } from './audit-data-source';
export { verifyAuditChain, type ChainVerdict } from './verify-chain';
export { GENESIS_HASH, type ChainProblem } from './chain';
export {
  CheckpointSigner,
  TrustedKeys,
  keyIdOf,
  loadSigningKey,
  loadTrustedKeys,
  rotateSigningKey,
  checkpointLogFile,
  signingKeyFile,
  type ChainHead,
  type SignatureVerdict,
} from './checkpoint';
export {
  AuditCheckpointer,
  readChainHead,
  appendCheckpointLog,
  checkpointIntervalMs,
  type CheckpointerOptions,
} from './checkpointer';
export {
  verifyAuditTrail,
  formatAuditReport,
  readAuditTopic,
  readCheckpointTopic,
  readCheckpointLog,
  FINDING_KINDS,
  type AuditFinding,
  type AuditReport,
  type FindingKind,
  type FoundCheckpoint,
  type TopicIndex,
  type VerifyTrailOptions,
} from './verify-trail';
