import fs from 'node:fs';
import path from 'node:path';

/**
 * On PostgreSQL the migration script is split on semicolons and run statement by statement, so a semicolon in a
 * comment cuts a statement in two (PGlite runs the script whole and does not notice). Function bodies write
 * theirs as \073. This found a real one: a comment of 20261202064535_feed_provenance_without_fk failed
 * `migrate deploy` on PostgreSQL only.
 */
describe('migration files', () => {
  const dir = path.resolve(__dirname, '../../prisma/migrations');
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(dir, d.name, 'migration.sql'));

  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [path.basename(path.dirname(f)), f]))('%s has no semicolon in a comment', (_name, file) => {
    const bad = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((text, i) => ({ line: i + 1, text }))
      .filter(({ text }) => text.includes('--') && text.slice(text.indexOf('--')).includes(';'));
    expect(bad).toEqual([]);
  });
});
