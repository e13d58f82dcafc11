import 'reflect-metadata';
import { listen, portFromEnv, runMain } from '@carelog/nest-platform';
import { createWebApp } from './web-app';
import { DEFAULT_WEB_PORT } from './web-settings';

runMain(async () => {
  await listen(await createWebApp(), 'web', portFromEnv('WEB_PORT', DEFAULT_WEB_PORT));
});
