import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { AnalyticsExportModule } from './app.module';

serveHttp({
  name: 'analytics-export',
  description:
    'Publishes the pseudonymised analytics feed (carelog.analytics.record-entries.v1) and counts per organisation, day and setting (carelog.analytics.entry-counts.v1), with National Data and Type 1 opt-outs enforced. Health and metrics only.',
  module: AnalyticsExportModule,
  portVariable: 'ANALYTICS_EXPORT_PORT',
});
