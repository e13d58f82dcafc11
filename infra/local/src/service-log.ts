import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { localStateDir } from './paths';

/** Where a test sends the output of the services it starts: .local/test-logs/<name>.log. */
export function serviceLog(name: string): (line: string) => void {
  const directory = join(localStateDir, 'test-logs');
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${name}.log`);
  return (line) => appendFileSync(file, `${line}\n`);
}
