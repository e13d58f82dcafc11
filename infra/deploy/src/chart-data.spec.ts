import { existsSync, readFileSync } from 'node:fs';
import { AUDIT_TOPIC, recordEntryTopics } from '@carelog/kafka';
import { CHART_DATA_FILE, chartDataText, chartTopics, chartUsers } from './chart-data';

describe("the Helm chart's Kafka topics and users (infra/helm/carelog/files/kafka.json)", () => {
  it('are what the code defines now (else run npm run deploy:generate)', () => {
    expect(process.env['CARELOG_TOPIC_PREFIX'] ?? 'carelog').toBe('carelog');
    expect(existsSync(CHART_DATA_FILE)).toBe(true);
    expect(readFileSync(CHART_DATA_FILE, 'utf8')).toBe(chartDataText());
  });

  it('keep the system of record forever and give every consumer group its dead letters', () => {
    const topics = new Map(chartTopics().map((topic) => [topic.name, topic]));
    for (const name of [...recordEntryTopics(), AUDIT_TOPIC]) {
      expect(topics.get(name)?.config['retention.ms']).toBe('-1');
      expect(topics.get(name)?.partitions).toBeGreaterThan(1);
    }
    for (const dlq of [
      'carelog-projection-v1.dlq',
      'carelog.notifications.dlq',
      'carelog.notifications.webhooks.dlq',
      'carelog-analytics-export.dlq',
    ])
      expect(topics.has(dlq)).toBe(true);
  });

  it('let only the audit verifier read the audit topic, and each producer write only its own topic', () => {
    const readers = chartUsers()
      .filter((user) =>
        user.acls.some(
          (acl) =>
            acl.resource.type === 'topic' &&
            (acl.resource.name === AUDIT_TOPIC ||
              (acl.resource.patternType === 'prefix' &&
                AUDIT_TOPIC.startsWith(acl.resource.name))) &&
            acl.operations.includes('Read'),
        ),
      )
      .map((user) => user.service);
    expect(readers).toEqual(['audit-verify']);
    const gp = chartUsers().find((user) => user.service === 'gp-records');
    expect(gp?.acls.filter((acl) => acl.operations.includes('Write'))).toEqual([
      {
        resource: { type: 'topic', name: 'carelog.gp.record-entries.v1', patternType: 'literal' },
        operations: ['Write', 'Describe'],
      },
    ]);
  });
});
