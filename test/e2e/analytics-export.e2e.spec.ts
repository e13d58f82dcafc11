import { createHmac, randomBytes } from 'node:crypto';
import { loadAnalyticsCodec, loadEventCodec, type AnalyticsRecordEntry } from '@carelog/codec';
import {
  analyticsEntriesTopic,
  createKafka,
  RecordEntryPublisher,
  recordEntryTopic,
} from '@carelog/kafka';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { eventually, exampleEvent, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { Consumer } from 'kafkajs';

/**
 * The analytics export as a process: it starts (and refuses to start without a key outside
 * local mode), answers health, metrics and OpenAPI, and publishes the feed a consumer can
 * link with its key.
 */
describe('analytics-export, as a process', () => {
  // Topics, consumer group and schema of its own, so nothing else on the machine is disturbed.
  process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('analytics-e2e');
  const consumerKey = randomBytes(32).toString('hex');
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_ANALYTICS_PSEUDONYM_KEY: consumerKey,
    CARELOG_ANALYTICS_CONSUMER_GROUP: uniqueName('analytics-e2e'),
    CARELOG_ANALYTICS_SCHEMA: uniqueName('analytics_e2e'),
    CARELOG_ANALYTICS_PUBLISH_MARGIN_MS: '1000',
    CARELOG_ANALYTICS_DATE_PRECISION: 'week',
  };
  const log = serviceLog('analytics-export.e2e');
  const kafka = createKafka('analytics-e2e-test');
  const codec = loadEventCodec();
  let service: RunningService;
  let publisher: RecordEntryPublisher;
  let reader: Consumer;
  const feed: AnalyticsRecordEntry[] = [];

  beforeAll(async () => {
    service = startService({ name: 'analytics-export', port: 4606, env, onOutput: log });
    await waitForReady(service);
    publisher = new RecordEntryPublisher(kafka, codec);
    await publisher.connect();
    reader = kafka.consumer({ groupId: uniqueName('analytics-e2e-reader') });
    await reader.connect();
    await reader.subscribe({ topic: analyticsEntriesTopic(), fromBeginning: true });
    await reader.run({
      eachMessage: ({ message }) => {
        if (message.value)
          feed.push(loadAnalyticsCodec().decode(message.value).event as AnalyticsRecordEntry);
        return Promise.resolve();
      },
    });
  }, 120_000);

  afterAll(async () => {
    await reader.disconnect();
    await publisher.disconnect();
    await service.stop();
  });

  it('publishes a pseudonymised entry that a consumer links to a patient with its key, and leaves out an opted-out patient', async () => {
    const patient = nextTestNhsNumber();
    const optedOut = nextTestNhsNumber();
    await publisher.publish(
      recordEntryTopic('patient'),
      exampleEvent('OptOutRecorded', {
        nhsNumber: optedOut,
        payload: { optOutType: 'national-data-opt-out', effective: true },
      }),
    );
    await publisher.publish(
      recordEntryTopic('gp'),
      exampleEvent('ConsultationRecorded', { nhsNumber: optedOut }),
    );
    await publisher.publish(
      recordEntryTopic('gp'),
      exampleEvent('ConsultationRecorded', { nhsNumber: patient }),
    );

    // What a consumer holding the key does: HMAC-SHA256 of the NHS number, in hex.
    const pseudonym = (nhsNumber: string) =>
      createHmac('sha256', consumerKey).update(nhsNumber).digest('hex');
    const entry = await eventually(() => {
      const found = feed.find((candidate) => candidate.patientPseudonym === pseudonym(patient));
      if (!found) throw new Error('not on the feed yet');
      return found;
    });
    expect(entry).toMatchObject({
      entryType: 'ConsultationRecorded',
      setting: 'gp',
      datePrecision: 'week',
    });
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
      expect(text).toMatch(
        /carelog_analytics_excluded_total\{reason="national-data-opt-out"\} [1-9]/,
      );
      return text;
    });
    expect(metrics).toMatch(/carelog_analytics_exported_total [1-9]/);
    expect(metrics).toContain('carelog_analytics_consumer_lag');
    expect(feed.some((candidate) => candidate.patientPseudonym === pseudonym(optedOut))).toBe(
      false,
    );
  });

  it('answers health and OpenAPI', async () => {
    expect((await fetch(`${service.baseUrl}/health/live`)).status).toBe(200);
    expect((await fetch(`${service.baseUrl}/health/ready`)).status).toBe(200);
    const document = (await (await fetch(`${service.baseUrl}/docs-json`)).json()) as {
      info: { title: string };
    };
    expect(document.info.title).toBe('carelog analytics-export');
  });

  it('refuses to start without a pseudonymisation key outside local mode', async () => {
    const lines: string[] = [];
    const keyless = startService({
      name: 'analytics-export',
      port: 4607,
      env: { ...env, CARELOG_AUTH_MODE: 'jwks', CARELOG_ANALYTICS_PSEUDONYM_KEY: '' },
      onOutput: (line) => lines.push(line),
    });
    // The error itself says why, so that a CI log shows it without the service's log file.
    await expect(waitForReady(keyless, 60_000)).rejects.toThrow(
      /exited \(code 1\) before it was ready; its last lines:\n[^]*CARELOG_ANALYTICS_PSEUDONYM_KEY is not set/,
    );
    expect(lines.join('\n')).toContain('CARELOG_ANALYTICS_PSEUDONYM_KEY is not set');
  });

  it('refuses to start with a wrong setting, naming each one in a single line', async () => {
    const lines: string[] = [];
    const misconfigured = startService({
      name: 'analytics-export',
      port: 4608,
      env: {
        ...env,
        CARELOG_LOG_LEVEL: 'loud',
        CARELOG_ANALYTICS_DATE_PRECISION: 'hour',
        CARELOG_ANALYTICS_PSEUDONYM_KEY: 'a-consumer-key-of-at-least-32-characters',
      },
      onOutput: (line) => lines.push(line),
    });
    await expect(waitForReady(misconfigured, 60_000)).rejects.toThrow(/exited \(code 1\)/);
    const refusal =
      'failed to start: CARELOG_LOG_LEVEL must be one of debug, info, warn, error (got "loud"); CARELOG_ANALYTICS_DATE_PRECISION must be one of day, week, month (got "hour")';
    // One line in the one log shape, as every later line would be (not Nest's coloured console).
    const logged = lines.flatMap((line) => {
      try {
        return [JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    expect(logged.filter((entry) => entry['message'] === refusal)).toEqual([
      expect.objectContaining({ level: 'error', service: 'analytics-export', logger: 'main' }),
    ]);
    expect(lines.join('\n')).not.toContain('a-consumer-key-of-at-least-32-characters');
  });
});
