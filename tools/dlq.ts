import { loadEventCodec } from '@carelog/codec';
import {
  createKafka,
  readDeadLetters,
  redriveDeadLetters,
  type DeadLetterEntry,
  type Progress,
} from '@carelog/kafka';

/**
 * `npm run --silent dlq -- list|show|redrive --group <consumer group> [...]`: a consumer
 * group's dead letters (topic `<group>.dlq`). Lists and shows describe a message without its
 * content (no payload, no NHS number); progress of long runs goes to standard error.
 */
const USAGE = `usage:
  npm run --silent dlq -- list    --group <group> [--from <offset>] [--code <code>]
  npm run --silent dlq -- show    --group <group> --offset <offset>
  npm run --silent dlq -- redrive --group <group> [--from <offset>] [--code <code>] [--offset <offset>]`;

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const offsetArgument = (name: string): bigint | undefined => {
  const value = argument(name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be an offset (a whole number)`);
  return BigInt(value);
};

/** Progress on one line of standard error; a line every few seconds when it is not a terminal. */
function progressReporter(verb: string): (progress: Progress) => void {
  let last = 0;
  return ({ done, total }) => {
    const line = `${verb} ${done}/${total} (${total === 0 ? 100 : Math.floor((done / total) * 100)}%)`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
    else if (Date.now() - last > 2000 || done === total) {
      last = Date.now();
      process.stderr.write(`${line}\n`);
    }
  };
}

const source = (entry: DeadLetterEntry): string =>
  entry.source ? `${entry.source.topic}[${entry.source.partition}]@${entry.source.offset}` : '-';

async function main(): Promise<void> {
  const command = process.argv[2];
  const group = argument('group');
  if (!group || (command !== 'list' && command !== 'show' && command !== 'redrive'))
    throw new Error(USAGE);
  const kafka = createKafka('carelog-dlq');
  const code = argument('code');
  const only = offsetArgument('offset');
  const entries = (
    await readDeadLetters(kafka, group, {
      from: only ?? offsetArgument('from') ?? 0n,
      onProgress: progressReporter('read'),
    })
  ).filter(
    (entry) =>
      (code === undefined || entry.code === code) &&
      (only === undefined || entry.offset === only.toString()),
  );
  switch (command) {
    case 'list': {
      process.stdout.write('offset\tcode\tsource\tevent id\ttype\tdead-lettered at\treason\n');
      for (const entry of entries)
        process.stdout.write(
          `${entry.offset}\t${entry.code}\t${source(entry)}\t${entry.eventId ?? '-'}\t${entry.entryType ?? '-'}\t${entry.deadLetteredAt ?? '-'}\t${entry.reason}\n`,
        );
      process.stderr.write(`${entries.length} dead letter(s) in ${group}.dlq\n`);
      return;
    }
    case 'show': {
      const [entry] = entries;
      if (!entry) throw new Error(`no dead letter at offset ${only ?? '?'} of ${group}.dlq`);
      let decoded: Record<string, unknown> = { decodes: false };
      try {
        if (entry.message.value) {
          const { event, writer } = loadEventCodec().decode(entry.message.value);
          decoded = {
            decodes: true,
            writerSchema: writer.file,
            eventId: event.eventId,
            type: event.type,
            occurredAt: Number.isNaN(event.occurredAt.getTime()) ? 'invalid' : event.occurredAt,
            recordedAt: Number.isNaN(event.recordedAt.getTime()) ? 'invalid' : event.recordedAt,
            organisation: event.source.organisation,
          };
        }
      } catch (error) {
        decoded = { decodes: false, because: (error as Error).message };
      }
      const described: Partial<DeadLetterEntry> = { ...entry };
      delete described.message;
      process.stdout.write(`${JSON.stringify({ ...described, ...decoded }, null, 2)}\n`);
      return;
    }
    case 'redrive': {
      const result = await redriveDeadLetters(kafka, group, entries, progressReporter('redriven'));
      process.stderr.write(
        `put ${result.redriven} dead letter(s) back on ${group}.redrive for ${group} to read again` +
          `${result.duplicates > 0 ? ` (${result.duplicates} duplicate(s) of the same source message left out)` : ''}\n`,
      );
      return;
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
