import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHttpService } from '@carelog/nest-platform';
import { migrateReadModel, readModelDataSource } from '@carelog/read-model';
import { eventually, requestJson, uniqueName } from '@carelog/testing';
import type { DataSource } from 'typeorm';

export interface InProcessRecordApi {
  url: string;
  db: DataSource;
  /** The schemas and topic prefix it runs under, unique to this test file. */
  env: { CARELOG_READ_MODEL_SCHEMA: string; CARELOG_AUDIT_SCHEMA: string };
  close(): Promise<void>;
}

/**
 * For int tests: the record API in-process on the real Postgres and Kafka, in its own schemas
 * and topics (named from `name`), ready when this resolves; `close` drops what it made.
 */
export async function startRecordApiInProcess(name: string): Promise<InProcessRecordApi> {
  const env = {
    CARELOG_READ_MODEL_SCHEMA: uniqueName(`read_model_${name}`),
    CARELOG_AUDIT_SCHEMA: uniqueName(`audit_${name}`),
    CARELOG_TOPIC_PREFIX: uniqueName(name),
  };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const db = readModelDataSource({ applicationName: `${name}-int-test`, poolSize: 2 });
  await db.initialize();
  await migrateReadModel(db);
  const app: NestExpressApplication = await createHttpService({
    name: 'record-api',
    description: 'under test',
    module: (await import('./app.module')).RecordApiModule,
  });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  await eventually(async () => expect((await requestJson(`${url}/health/ready`)).status).toBe(200));
  return {
    url,
    db,
    env,
    async close() {
      await app.close();
      await db.query(`DROP SCHEMA IF EXISTS "${env.CARELOG_READ_MODEL_SCHEMA}" CASCADE`);
      await db.query(`DROP SCHEMA IF EXISTS "${env.CARELOG_AUDIT_SCHEMA}" CASCADE`);
      await db.destroy();
      process.env = saved;
    },
  };
}
