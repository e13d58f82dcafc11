import { clusterServiceEnv } from './kafka-cluster';
import { productionDatabaseUrl } from './postgres';
import {
  PLATFORM_SERVICES,
  startService,
  waitForReady,
  type RunningService,
  type ServiceName,
} from './services';

/** The production profile runs two instances of each of these; one of every other service. */
export const SCALED_SERVICES: readonly ServiceName[] = [
  'projection',
  'record-api',
  'notifications',
];
/** A second instance listens this far above the first's port (inside this copy's offset). */
export const SECOND_INSTANCE_PORT_STEP = 50;

export interface ProductionServices {
  services: RunningService[];
  /** Every instance of a service, first instance first. */
  instances(name: ServiceName): RunningService[];
  stop(): Promise<void>;
}

export interface StartProductionOptions {
  /** Only these services (default: all). */
  only?: readonly ServiceName[];
  env?: NodeJS.ProcessEnv;
  onOutput?: (line: string) => void;
}

/**
 * Starts one instance of a service on the production profile: its own Kafka principal over
 * SASL_SSL, its own Postgres role (services.ts). The one place the profile starts a service,
 * so that what it runs from (sources or dist) is chosen in startService alone.
 */
export function startProfileInstance(
  name: ServiceName,
  instance: number,
  options: Omit<StartProductionOptions, 'only'> = {},
): RunningService {
  const spec = PLATFORM_SERVICES.find((service) => service.name === name);
  if (!spec) throw new Error(`unknown service ${name}`);
  const service = startService({
    name,
    port: spec.port + (instance - 1) * SECOND_INSTANCE_PORT_STEP,
    env: {
      DATABASE_URL: productionDatabaseUrl(),
      CARELOG_AUTH_MODE: 'local',
      ...options.env,
      ...clusterServiceEnv(name),
    },
    onOutput: (line) =>
      options.onOutput?.(instance > 1 ? line.replace(']', `#${instance}]`) : line),
  });
  return service;
}

export async function startProductionServices(
  options: StartProductionOptions = {},
): Promise<ProductionServices> {
  const names = PLATFORM_SERVICES.map((service) => service.name).filter(
    (name) => !options.only || options.only.includes(name),
  );
  const services = names.flatMap((name) =>
    (SCALED_SERVICES.includes(name) ? [1, 2] : [1]).map((instance) =>
      startProfileInstance(name, instance, options),
    ),
  );
  const stop = async () => {
    await Promise.all(services.map((service) => service.stop()));
  };
  try {
    await Promise.all(services.map((service) => waitForReady(service, 180_000)));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    services,
    instances: (name) => services.filter((service) => service.name === name),
    stop,
  };
}
