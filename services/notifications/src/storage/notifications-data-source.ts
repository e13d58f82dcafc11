import {
  configuredDatabaseUrl,
  migrateExclusively,
  ParameterFreeLogger,
} from '@carelog/read-model';
import { DataSource } from 'typeorm';
import { Notifications1795700000000 } from './migrations/0001-notifications';

/**
 * Notifications, webhook subscriptions and deliveries live in a schema of their own: unlike
 * the read model they are not rebuilt from Kafka (a delivery's outcome happened once).
 */
export function notificationsDataSource(options: {
  schema: string;
  applicationName: string;
  poolSize?: number;
}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: configuredDatabaseUrl(),
    schema: options.schema,
    applicationName: options.applicationName,
    migrations: [Notifications1795700000000],
    migrationsTableName: 'notifications_migrations',
    extra: { max: options.poolSize ?? 10, options: `-c search_path=${options.schema}` },
    logger: new ParameterFreeLogger(),
    maxQueryExecutionTime: 2000,
  });
}

/** Creates the schema and applies pending migrations; several instances may start at once. */
export const migrateNotifications = (dataSource: DataSource, schema: string): Promise<void> =>
  migrateExclusively(dataSource, schema, 'notifications');
