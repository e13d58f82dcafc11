/**
 * The production profile's pieces for the fault tests (`@carelog/local-infra/production`):
 * kept out of the package's main entry, which Jest's global set-up loads without path aliases,
 * because the cluster's ACL data comes from `@carelog/kafka`.
 */
export {
  clusterBrokers,
  clusterClientConfig,
  clusterServiceEnv,
  killNode,
  startNode,
} from './kafka-cluster';
export { startProfileInstance } from './production-services';
