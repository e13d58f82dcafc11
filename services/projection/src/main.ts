import 'reflect-metadata';
import { createHttpService, listen, portFromEnv, runMain } from '@carelog/nest-platform';
import { ProjectionModule } from './app.module';

runMain(async () => {
  const port = portFromEnv('PROJECTION_PORT', 3110);
  const app = await createHttpService({
    name: 'projection',
    description: 'Builds the joined-up lifelong record in Postgres from every record-entry topic. Health and metrics only.',
    module: ProjectionModule,
    port,
  });
  await listen(app, 'projection', port);
});
