import { checkSettingsFor, setting } from '@carelog/config';
import { configureLogging, createKafka } from '@carelog/kafka';
import { auditDataSource, auditSchema } from './audit-data-source';
import { checkpointLogFile, loadTrustedKeys } from './checkpoint';
import { checkpointIntervalMs } from './checkpointer';
import {
  formatAuditReport,
  readAuditTopic,
  readCheckpointLog,
  readCheckpointTopic,
  verifyAuditTrail,
} from './verify-trail';

/**
 * `npm run audit:verify`: checks the audit trail on DATABASE_URL (schema
 * CARELOG_AUDIT_SCHEMA, default `audit`) against its chain, its signed checkpoints (the
 * checkpoints topic and the checkpoint log) and the audit topic on KAFKA_BROKERS. Prints
 * every finding; exit 0 when there is none, 1 when there is any, 2 when the check could not
 * be made at all.
 */
async function main(): Promise<number> {
  configureLogging({ service: 'audit-verify' });
  checkSettingsFor('audit-verify');
  const schema = auditSchema();
  const trail = setting('CARELOG_AUDIT_TRAIL') ?? schema;
  const kafka = createKafka('carelog-audit-verify');
  const logFile = checkpointLogFile();
  const [topic, checkpoints] = await Promise.all([
    readAuditTopic(kafka, setting('CARELOG_AUDIT_TOPIC')),
    readCheckpointTopic(kafka, setting('CARELOG_AUDIT_CHECKPOINTS_TOPIC'), trail),
  ]);
  const dataSource = auditDataSource({
    applicationName: 'carelog-audit-verify',
    schema,
    poolSize: 1,
  });
  await dataSource.initialize();
  try {
    const report = await verifyAuditTrail(dataSource, {
      schema,
      trail,
      topic,
      checkpoints,
      usesLog: logFile !== undefined,
      logCheckpoints: logFile ? readCheckpointLog(logFile, trail) : undefined,
      trustedKeys: loadTrustedKeys(),
      // Two intervals and a minute: a row may wait one whole interval for its checkpoint.
      checkpointMaxAgeMs:
        setting('CARELOG_AUDIT_CHECKPOINT_MAX_AGE_MS') ?? 2 * checkpointIntervalMs() + 60_000,
    });
    process.stdout.write(formatAuditReport(report));
    return report.findings.length === 0 ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `audit verify failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
