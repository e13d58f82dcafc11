import 'reflect-metadata';
import { checkSettingsFor } from '@carelog/config';
import { listen, portFromEnv, runMain } from '@carelog/nest-platform';
import { createIdentityApp } from './identity-app';

runMain('identity', async () => {
  checkSettingsFor('identity');
  await listen(await createIdentityApp(), 'identity', portFromEnv('IDENTITY_PORT'));
});
