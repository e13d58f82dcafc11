import { loadEventCodec } from '@carelog/codec';
import { createKafka } from '@carelog/kafka';
import { readModelDataSource, ReadModelVersions, type ReadModelVersion } from '@carelog/read-model';
import { eventually, uniqueName } from '@carelog/testing';
import { ProjectionRunner, SWITCH_POLL_MS } from './projection-runner';

const kafka = createKafka('projection-runner-int-test');

/**
 * The serving version as the test sets it. Each version's tables are made for real; the first
 * upgrade of `failOnce` fails as a database refusing a migration would (not retriable).
 */
class TestVersions implements Pick<ReadModelVersions, 'active' | 'activeOrInitial' | 'upgrade'> {
  upgradeFailures = 0;

  constructor(
    /** Makes each version's tables for real (this test's serving schema has no state table, so none is switched). */
    private readonly real: ReadModelVersions,
    public serving: ReadModelVersion,
    private readonly failOnce: ReadModelVersion,
  ) {}

  active(): Promise<ReadModelVersion | undefined> {
    return Promise.resolve(this.serving);
  }

  activeOrInitial(): Promise<ReadModelVersion> {
    return Promise.resolve(this.serving);
  }

  async upgrade(version: ReadModelVersion): Promise<void> {
    if (version.version === this.failOnce.version && this.upgradeFailures === 0) {
      this.upgradeFailures++;
      throw new Error('migration refused');
    }
    await this.real.upgrade(version);
  }
}

describe('projection runner following a switch, against real Kafka and Postgres', () => {
  const serving = uniqueName('read_model_runner');
  const group = uniqueName('projection-runner');
  const version = (n: number): ReadModelVersion => ({
    version: n,
    schema: `${serving}_v${n}`,
    consumerGroup: `${group}-v${n}`,
  });
  let runner: ProjectionRunner | undefined;
  const dataSource = readModelDataSource({ applicationName: 'projection-runner-int-test' });

  beforeAll(() => dataSource.initialize());

  afterAll(async () => {
    await runner?.stop();
    for (const n of [1, 2])
      await dataSource.query(`DROP SCHEMA IF EXISTS "${serving}_v${n}" CASCADE`);
    await dataSource.destroy();
  });

  it('after a failed switch, releases the old version once and feeds the new one at the next check', async () => {
    const versions = new TestVersions(
      new ReadModelVersions(dataSource, serving),
      version(1),
      version(2),
    );
    runner = new ProjectionRunner(kafka, loadEventCodec(), versions);
    await runner.start();
    const old = runner.current;
    expect(old?.version.version).toBe(1);
    if (!old) return;
    const stop = jest.spyOn(old.consumer, 'stop');
    const destroy = jest.spyOn(old.dataSource, 'destroy');

    versions.serving = version(2);

    // The first check lets version 1 go and fails to feed version 2; a later one feeds it.
    await eventually(() => expect(runner?.current?.version.version).toBe(2), {
      timeoutMs: 20 * SWITCH_POLL_MS,
    });
    expect(versions.upgradeFailures).toBe(1);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(destroy).toHaveBeenCalledTimes(1);
    expect(old.dataSource.isInitialized).toBe(false);
    expect(runner.current?.dataSource.isInitialized).toBe(true);
  }, 180_000);
});
