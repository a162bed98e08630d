import { seedRegions } from '../../src/domain/registry/region.service';
import { createPerson } from '../helpers/chat-fixtures';
import { countingDatabase, type StatementLog } from '../helpers/counting-adapter';
import { createTestApp, type TestApp } from '../helpers/test-app';
import { createTestDatabase } from '../helpers/test-database';
import type { OpenDatabase } from '../../src/db/open-database';

/**
 * Round trips of a chat turn (issue 11): every statement the engine's client sends, BEGIN and COMMIT included,
 * for the turns of the benchmark's conversation. A regression guard for the hot path.
 */
let base: OpenDatabase;
let counted: { db: OpenDatabase; log: StatementLog };
let app: TestApp;

beforeAll(async () => {
  base = await createTestDatabase();
  await seedRegions(base.prisma);
  counted = countingDatabase(base);
  app = await createTestApp({}, { db: counted.db });
});
afterAll(async () => {
  await app?.close();
  await counted?.db.close();
  await base?.close();
});

it('a chat turn costs a few statements', async () => {
  const p = await createPerson(base.prisma);
  const endpoint = `stmt-${p.id.slice(0, 8)}`;
  const perTurn: { text: string; n: number; sql: string[] }[] = [];
  const turn = async (text: string | null) => {
    const mark = counted.log.mark();
    const r = text === null ? await app.engine.start('web', endpoint) : await app.engine.handle({ channel: 'web', endpoint, text, receivedAt: app.clock.now() });
    const sql = counted.log.since(mark);
    perTurn.push({ text: text ?? '(start)', n: sql.length, sql });
    return r;
  };
  await turn(null);
  for (const t of ['1', p.idNumber, p.name, p.phone!.slice(-4), '1', '1', '1', 'hello']) await turn(t);
  const report = perTurn.map((t) => `${t.n}\t${t.text.length > 8 ? '…' : t.text}`).join('\n');
  if (process.env.SHOW_SQL) console.log(perTurn.map((t) => `--- ${t.text} (${t.n})\n${t.sql.map((s) => s.replace(/\s+/g, ' ').slice(0, 160)).join('\n')}`).join('\n'));
  else console.log(`statements per turn:\n${report}`);
  // A turn without the flow's own queries (the greeting, an answer the flow does not take): BEGIN, the
  // statement that opens the turn, the one that saves it, COMMIT. Before issue 11: 12 and 14.
  expect(perTurn[0]!.n).toBe(4);
  expect(perTurn.at(-1)!.n).toBe(4);
  // The benchmark's conversation and one more answer: 145 statements before issue 11 (63 after; issue 17's
  // status reply reads the running assistance periods and open duplicate-cover entries: two more; one attempt is
  // one failure whatever was wrong: the name step opens the attempt's row and the code answer settles it, two more).
  expect(perTurn.reduce((n, t) => n + t.n, 0)).toBeLessThanOrEqual(67);

  // A retry of a message already answered: the same replies, one more statement (the earlier replies).
  const messageId = 'stmt-retry-1';
  const first = await app.engine.handle({ channel: 'web', endpoint, text: '菜单', messageId, receivedAt: app.clock.now() });
  const mark = counted.log.mark();
  const again = await app.engine.handle({ channel: 'web', endpoint, text: '菜单', messageId, receivedAt: app.clock.now() });
  expect(again).toEqual({ ...first, duplicate: true });
  expect(counted.log.since(mark)).toHaveLength(4);
});
