import { loadEventCodec } from '@carelog/codec';
import { checkSettingsFor } from '@carelog/config';
import { configureLogging, createKafka } from '@carelog/kafka';
import { readModelDataSource, ReadModelVersions } from '@carelog/read-model';
import { rebuildReadModel, type RebuildProgress } from './rebuild';

/**
 * `npm run projection:rebuild`: rebuild the read model from the log into a new version while
 * the current one serves, then switch over. Progress, rate and time left on standard error.
 */
function bar({ done, total, rate, etaSeconds }: RebuildProgress): string {
  const width = 30;
  const fraction = total === 0 ? 1 : done / total;
  const filled = Math.round(fraction * width);
  const eta = etaSeconds === undefined ? '--' : `${Math.ceil(etaSeconds)}s`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}% ${done}/${total} events, ${Math.round(rate)}/s, ETA ${eta}`;
}

async function main(): Promise<void> {
  configureLogging({ service: 'projection-rebuild' });
  checkSettingsFor('projection-rebuild');
  const control = readModelDataSource({
    applicationName: 'carelog-projection-rebuild-control',
    poolSize: 2,
  });
  await control.initialize();
  const interactive = process.stderr.isTTY;
  let lastLine = 0;
  try {
    const version = await rebuildReadModel({
      kafka: createKafka('carelog-projection-rebuild'),
      codec: loadEventCodec(),
      versions: new ReadModelVersions(control),
      switchOver: true,
      onProgress: (progress) => {
        if (interactive) process.stderr.write(`\r${bar(progress)}`);
        else if (Date.now() - lastLine > 5000 || progress.done === progress.total) {
          lastLine = Date.now();
          process.stderr.write(`${bar(progress)}\n`);
        }
      },
    });
    process.stderr.write(
      `\nrebuilt read-model version ${version.version} (${version.schema}) and switched the serving views to it\n`,
    );
  } finally {
    await control.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `\nrebuild failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
