// `npm run test:faults`: the fault tests (test/faults/*.faults.ts) on the production profile
// of the local infrastructure: three SASL_SSL brokers with ACLs, Postgres with per-service
// roles, the services as separate processes. One worker: the faults are done to shared servers.
//
// The platform fault scenarios (R1, R3, R4, R5 in platform-faults.faults.ts) run beside the ACL
// refusals. CARELOG_FAULTS_SCENARIOS=0 runs the ACL refusals alone (a quick local check);
// CARELOG_FAULTS_ENTRIES sets R1's size (default 100,000, as issue #18 asks).
const base = require('./jest.config.js');

const scenarios = process.env.CARELOG_FAULTS_SCENARIOS !== '0';

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testMatch: scenarios ? ['**/*.faults.ts'] : ['**/kafka-acls.faults.ts'],
  globalSetup: '<rootDir>/test/faults/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/setup/global-teardown.ts',
  testTimeout: 20 * 60_000,
  maxWorkers: 1,
};
