// `npm run test:faults`: the fault tests (test/faults/*.faults.ts) on the production profile
// of the local infrastructure: three SASL_SSL brokers with ACLs, Postgres with per-service
// roles, the services as separate processes. One worker: the faults are done to shared servers.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.faults.ts'],
  globalSetup: '<rootDir>/test/faults/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/setup/global-teardown.ts',
  testTimeout: 20 * 60_000,
  maxWorkers: 1,
};
