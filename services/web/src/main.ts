import 'reflect-metadata';
import { checkSettingsFor } from '@carelog/config';
import { listen, portFromEnv, runMain } from '@carelog/nest-platform';
import { createWebApp } from './web-app';

runMain('web', async () => {
  checkSettingsFor('web');
  await listen(await createWebApp(), 'web', portFromEnv('WEB_PORT'));
});
