import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KAFKA_VERSION, PLATFORM_SERVICES, WEB_APP } from '@carelog/local-infra';
// The web app's own list of the services it calls (a service has no import alias): the
// compose file must point each of its settings at that service.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { WEB_UPSTREAMS } from '../../../services/web/src/web-settings';
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

  it('runs the web app from the image on its port, against every service it calls, with no database role', () => {
    const web = compose.services[WEB_APP.name];
    expect(web?.command).toEqual([WEB_APP.name]);
    expect(web?.environment?.[WEB_APP.portVariable]).toBe(String(WEB_APP.port));
    expect(web?.ports).toEqual([`127.0.0.1:${WEB_APP.port}:${WEB_APP.port}`]);
    expect(web?.healthcheck?.test.join(' ')).toContain(
      `http://127.0.0.1:${WEB_APP.port}/health/ready`,
    );
    for (const [name, { variable, port }] of Object.entries(WEB_UPSTREAMS))
      expect(web?.environment?.[variable]).toBe(`http://${name}:${port}`);
    expect(web?.environment?.['DATABASE_URL']).toBeUndefined();
    expect(web?.environment?.['KAFKA_BROKERS']).toBeUndefined();
    expect(web?.environment?.['CARELOG_WEB_SESSION_KEY']).toBe('${CARELOG_WEB_SESSION_KEY:-}');
    // Sign-in with real issuers needs the address they send people back to, and the key.
    expect(web?.environment?.['CARELOG_WEB_BASE_URL']).toBe(
      '${CARELOG_WEB_BASE_URL:-http://localhost:3000}',
    );
    expect(Object.keys(web?.environment ?? {})).toContain('CARELOG_WEB_OIDC_KEY_FILE');
  });

  it('gives every role the roles step creates a password setting, and runs the local Kafka version', () => {
    const roles = compose.services['db-roles']?.environment ?? {};
    for (const { name } of PLATFORM_SERVICES)
      expect(Object.keys(roles)).toContain(
        `CARELOG_DB_PASSWORD_${serviceRole(name).toUpperCase()}`,
      );
    expect(compose.services['kafka']?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
  });
});
