import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The map matches the tree: every service and library is named in the README's Layout table
 * (in its folder's row) and in docs/architecture.md, and every top-level folder has a row.
 * A new service or library without a line in either fails here.
 */
const root = join(__dirname, '..');
const folders = (parent: string) =>
  readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const layout = readme.slice(readme.indexOf('\n## Layout\n'));
const layoutTable = layout.slice(
  0,
  layout.indexOf('\n## ', 1) > 0 ? layout.indexOf('\n## ', 1) : undefined,
);
const rowOf = (folder: string) =>
  layoutTable.split('\n').find((line) => line.startsWith(`| \`${folder}/\``)) ?? '';
const architecture = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');

describe('the layout, as the README and docs/architecture.md tell it', () => {
  it.each(['services', 'libs'])(
    'names every folder of %s/ in its Layout row and the architecture',
    (parent) => {
      const row = rowOf(parent);
      expect(row).not.toBe('');
      const missing = folders(parent).filter(
        (name) => !row.includes(`\`${name}\``) || !architecture.includes(name),
      );
      expect(missing).toEqual([]);
    },
  );

  it('has a row for every top-level folder the repository keeps', () => {
    const kept = ['services', 'libs', 'schemas', 'infra', 'examples', 'docs', 'test', 'tools'];
    expect(kept.filter((folder) => !layoutTable.includes(`| \`${folder}/`))).toEqual([]);
    expect(
      folders('.')
        .filter((folder) => kept.includes(folder))
        .sort(),
    ).toEqual(kept.sort());
  });
});
