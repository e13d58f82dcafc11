import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KAFKA_VERSION, PLATFORM_SERVICES } from '@carelog/local-infra';
import { serviceRole } from '@carelog/read-model';

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const compose = parse(
  readFileSync(join(__dirname, '..', '..', 'compose', 'compose.yaml'), 'utf8'),
  {
    merge: true,
  },
) as { services: Record<string, ComposeService> };

describe('the compose file (infra/compose/compose.yaml)', () => {
  it.each(PLATFORM_SERVICES.map((spec) => [spec.name, spec] as const))(
    '%s: runs from the image on its own port, as its own Postgres role, after the roles exist',
    (name, spec) => {
      const service = compose.services[name];
      expect(service?.command).toEqual([name]);
      expect(service?.environment?.[spec.portVariable]).toBe(String(spec.port));
      expect(service?.environment?.['KAFKA_BROKERS']).toBe('kafka:9092');
      expect(service?.environment?.['HOST']).toBe('0.0.0.0');
      expect(service?.environment?.['DATABASE_URL']).toMatch(
        new RegExp(`^postgres://${serviceRole(name)}:`),
      );
      expect(service?.environment?.['CARELOG_MIGRATION_DATABASE_URL']).toMatch(
        /^postgres:\/\/carelog_owner:/,
      );
      expect(service?.depends_on?.['db-roles']?.condition).toBe('service_completed_successfully');
      expect(service?.ports).toEqual([`127.0.0.1:${spec.port}:${spec.port}`]);
      expect(service?.healthcheck?.test.join(' ')).toContain(
        `http://127.0.0.1:${spec.port}/health/ready`,
      );
    },
  );

  it('gives every role the roles step creates a password setting, and runs the local Kafka version', () => {
    const roles = compose.services['db-roles']?.environment ?? {};
    for (const { name } of PLATFORM_SERVICES)
      expect(Object.keys(roles)).toContain(
        `CARELOG_DB_PASSWORD_${serviceRole(name).toUpperCase()}`,
      );
    expect(compose.services['kafka']?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
  });
});
