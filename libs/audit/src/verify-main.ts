import { auditDataSource, auditSchema } from './audit-data-source';
import { verifyAuditChain } from './verify-chain';

/**
 * `npm run audit:verify`: checks the audit trail's hash chain on DATABASE_URL (schema
 * CARELOG_AUDIT_SCHEMA, default `audit`). Exit 0 when intact, 1 at the first break,
 * 2 when the check could not be made at all.
 */
async function main(): Promise<number> {
  const schema = auditSchema();
  const dataSource = auditDataSource({
    applicationName: 'carelog-audit-verify',
    schema,
    poolSize: 1,
  });
  await dataSource.initialize();
  try {
    const verdict = await verifyAuditChain(dataSource, { schema });
    if (verdict.ok) {
      process.stdout.write(`audit chain intact: ${verdict.rows} rows\n`);
      return 0;
    }
    process.stdout.write(
      `audit chain broken at seq ${verdict.seq}: ${verdict.problem}. ${verdict.detail}\n`,
    );
    return 1;
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
