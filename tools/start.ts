import { loadOrCreateLocalKeys } from '@carelog/auth';
import {
  ensureServers,
  PLATFORM_SERVICES,
  startService,
  waitForReady,
  WEB_APP,
  type RunningService,
} from '@carelog/local-infra';
import {
  seedDemoRecord,
  sendAccepted,
  DEMO_DISTRICT_NURSES,
  DEMO_PATIENT,
  DEMO_PRACTICE,
} from './demo-data';
import { seedDemoFamily, DEMO_BABY, DEMO_HEALTH_VISITING, DEMO_MOTHER } from './demo-family';

/**
 * `npm start`: real Kafka and Postgres (or the ones KAFKA_BROKERS / DATABASE_URL name), every
 * service on its default port in local auth mode, demo data, and how to try it. Ctrl-C stops
 * everything this command started.
 */
async function main(): Promise<void> {
  const startedAt = Date.now();
  const log = (line: string) => console.log(`[carelog] ${line}`);
  const servers = await ensureServers(log);
  await loadOrCreateLocalKeys();
  const env = {
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    DATABASE_URL: servers.databaseUrl,
    // Local mode: tokens from `npm run token` are accepted. Never set this in a deployment.
    CARELOG_AUTH_MODE: 'local',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
  const services: RunningService[] = [...PLATFORM_SERVICES, WEB_APP].map((spec) =>
    startService({ name: spec.name, env, onOutput: (line) => console.log(line) }),
  );
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping ...');
    await Promise.all(services.map((service) => service.stop()));
    await servers.stop();
    log('stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  for (const service of services) {
    service.process.once('exit', (code) => {
      if (!stopping) {
        log(`${service.name} exited unexpectedly (code ${code}); stopping the platform.`);
        void stop(1);
      }
    });
  }
  try {
    await Promise.all(services.map((service) => waitForReady(service)));
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    await stop(1);
    return;
  }
  const url = (name: string) => services.find((service) => service.name === name)?.baseUrl ?? '';
  try {
    await seedDemoRecord({
      'gp-records': url('gp-records'),
      'social-care': url('social-care'),
      'community-nursing': url('community-nursing'),
      pharmacy: url('pharmacy'),
      'record-api': url('record-api'),
    });
    await seedDemoFamily(url('maternity'), sendAccepted);
  } catch (error) {
    // Stopped, not left running behind a failed command with their ports held.
    log(
      `the demo data could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
    await stop(1);
    return;
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`
[carelog] ready in ${seconds}s: every /health/ready answers 200.
${services.map((service) => `  ${service.name.padEnd(13)} ${service.baseUrl}  (OpenAPI: ${service.baseUrl}/docs)`).join('\n')}

The people's web app: ${url('web')}  (sign in as any of the demo data's people${url('web').endsWith(':6000') ? '; browsers refuse port 6000: choose another CARELOG_PORT_OFFSET to open it' : ''})

Try it (a GP at the demo practice ${DEMO_PRACTICE}; demo patient ${DEMO_PATIENT}):
  TOKEN=$(npm run --silent token -- --role gp --org ${DEMO_PRACTICE})
  curl -s -X POST ${url('gp-records')}/v1/entries -H "Authorization: Bearer $TOKEN" \\
       -H 'Content-Type: application/json' -H "Idempotency-Key: $(date +%s%N)" \\
       -d '{"patient":{"nhsNumber":"${DEMO_PATIENT}"},"type":"ConsultationRecorded","occurredAt":"2026-11-20T10:00:00Z","payload":{"narrative":"Reviewed BP diary.","codedItems":[]}}'
  curl -s ${url('record-api')}/v1/patients/${DEMO_PATIENT}/record -H "Authorization: Bearer $TOKEN"
  curl -s ${url('record-api')}/v1/patients/${DEMO_PATIENT}/journal -H "Authorization: Bearer $TOKEN"   # the GP view: flagged result first, care visits digested
  curl -s ${url('record-api')}/v1/tasks -H "Authorization: Bearer $TOKEN"   # the flagged result, as a task to acknowledge
  # In the GP's community-nursing section the district nurses' repeated wound notes fold into one line.
  NURSE=$(npm run --silent token -- --role community-nurse --org ${DEMO_DISTRICT_NURSES})
  curl -s ${url('record-api')}/v1/patients/${DEMO_PATIENT}/journal -H "Authorization: Bearer $NURSE"   # the care worker's flag for the nurses
  curl -s ${url('record-api')}/v1/patients/${DEMO_PATIENT}/medicines -H "Authorization: Bearer $TOKEN"   # current medicines: furosemide dispensed by the pharmacy, its dose changed; ramipril stopped

A new patient: only the practice's own GP system may register them (a person gets 403):
  SYSTEM=$(npm run --silent token -- --system demo-gp-system --org ${DEMO_PRACTICE} --entry-types RegistrationStarted)
  curl -s -X POST ${url('gp-records')}/v1/entries -H "Authorization: Bearer $SYSTEM" \\
       -H 'Content-Type: application/json' -H "Idempotency-Key: $(date +%s%N)" \\
       -d '{"patient":{"nhsNumber":"9449304130"},"type":"RegistrationStarted","occurredAt":"2026-11-20T09:00:00Z","payload":{"registrationType":"permanent"}}'

A mother (${DEMO_MOTHER}) and her baby with its own record (${DEMO_BABY}): the health visitor
(${DEMO_HEALTH_VISITING}) wrote the new birth review on the baby; the mother reads it with her own NHS login:
  MOTHER=$(npm run --silent token -- --nhs-login --nhs ${DEMO_MOTHER})
  curl -s ${url('record-api')}/v1/patients/${DEMO_BABY}/record -H "Authorization: Bearer $MOTHER"
  curl -s ${url('record-api')}/v1/patients/${DEMO_BABY}/family -H "Authorization: Bearer $MOTHER"

Ctrl-C stops everything this command started.
`);
}

main().catch((error: unknown) => {
  console.error(
    `[carelog] failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
