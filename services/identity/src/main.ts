import 'reflect-metadata';
import { listen, portFromEnv, runMain } from '@carelog/nest-platform';
import { createIdentityApp } from './identity-app';
import { DEFAULT_IDENTITY_PORT } from './identity-settings';

runMain(async () => {
  await listen(
    await createIdentityApp(),
    'identity',
    portFromEnv('IDENTITY_PORT', DEFAULT_IDENTITY_PORT),
  );
});
