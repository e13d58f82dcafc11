import { resolve } from 'node:path';
import type { AnalyticsEvents } from './generated/analytics-events';
import type { AuditEvents } from './generated/audit-events';
import { FamilyCodec } from './family-codec';
import { ANALYTICS_FAMILY, AUDIT_FAMILY, SchemaCatalogue } from './schema-catalogue';

/** The analytics feed's events, with the same single-object encoding as record entries. */
export class AnalyticsCodec extends FamilyCodec<AnalyticsEvents> {
  constructor(catalogue: SchemaCatalogue) {
    super(catalogue, 'analytics');
  }
}

/** The audit topics' events (access events as chained, signed checkpoints). */
export class AuditCodec extends FamilyCodec<AuditEvents> {
  constructor(catalogue: SchemaCatalogue) {
    super(catalogue, 'audit');
  }
}

const schemasRoot = (): string => resolve(__dirname, '..', '..', '..', 'schemas');
let sharedAnalytics: AnalyticsCodec | undefined;
let sharedAudit: AuditCodec | undefined;

/** The codec over schemas/analytics/, loaded once per process. */
export function loadAnalyticsCodec(): AnalyticsCodec {
  sharedAnalytics ??= new AnalyticsCodec(SchemaCatalogue.load(schemasRoot(), ANALYTICS_FAMILY));
  return sharedAnalytics;
}

/** The codec over schemas/audit/, loaded once per process. */
export function loadAuditCodec(): AuditCodec {
  sharedAudit ??= new AuditCodec(SchemaCatalogue.load(schemasRoot(), AUDIT_FAMILY));
  return sharedAudit;
}
