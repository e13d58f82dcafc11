import 'reflect-metadata';
import { createHttpService, listen, portFromEnv, runMain } from '@carelog/nest-platform';
import { RecordApiModule } from './app.module';

runMain(async () => {
  const port = portFromEnv('RECORD_API_PORT', 3100);
  const app = await createHttpService({
    name: 'record-api',
    description: 'Serves the joined-up record and journal views under strict access rules.',
    module: RecordApiModule,
    port,
  });
  await listen(app, 'record-api', port);
});
