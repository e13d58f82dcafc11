import 'reflect-metadata';
import { createHttpService, listen, portFromEnv, runMain } from '@carelog/nest-platform';
import { GpRecordsModule } from './app.module';

runMain(async () => {
  const port = portFromEnv('GP_RECORDS_PORT', 3101);
  const app = await createHttpService({
    name: 'gp-records',
    description: 'Records GP practice entries (registrations, consultations, ...) as immutable events.',
    module: GpRecordsModule,
    port,
  });
  await listen(app, 'gp-records', port);
});
