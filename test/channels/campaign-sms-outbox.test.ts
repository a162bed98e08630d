import { CampaignSmsOutbox } from '../../src/conversation/campaign-sms-outbox';
import { SmsCampaignSender } from '../../src/channels/sms/sms-campaign-sender';
import type { OpenDatabase } from '../../src/db/open-database';
import { fixedClock } from '../../src/lib/clock';
import { createLogger } from '../../src/lib/logger';
import { createTestDatabase } from '../helpers/test-database';

/** The campaign SMS outbox: batched claims and marks, retries and permanent failures, a dead sender's rows, two senders. */
let db: OpenDatabase;
const clock = fixedClock('2026-12-01T02:00:00Z');
const logger = createLogger({ level: 'silent' });
beforeAll(async () => {
  db = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  await db?.close();
});

/** Gateway: 139… accepted, 150… a 500 (retried), 151… a 400 (permanent); each call recorded. */
function gateway() {
  const calls: string[] = [];
  const post = async (b: { phone: string }) => {
    calls.push(b.phone);
    await new Promise((r) => setTimeout(r, 1));
    if (b.phone.startsWith('150')) return { status: 500, body: 'busy' };
    if (b.phone.startsWith('151')) return { status: 400, body: 'bad number' };
    return { status: 200, body: 'ok' };
  };
  return { calls, post };
}

async function enqueue(phones: string[]) {
  await db.prisma.outboxMessage.createMany({ data: phones.map((p) => ({ channel: 'sms', endpoint: p, kind: 'campaign', payload: { text: `hi ${p}` }, nextAttemptAt: clock.now(), createdAt: clock.now() })) });
}
const statusOf = async (phones: string[]) =>
  Object.fromEntries((await db.prisma.outboxMessage.findMany({ where: { endpoint: { in: phones } } })).map((o) => [o.endpoint, { status: o.status, attempts: o.attempts, error: o.lastError }]));

it('sends in batches, marks sent, retries a 5xx later and records a 4xx as undeliverable', async () => {
  const ok = Array.from({ length: 23 }, (_, i) => `139000000${String(i).padStart(2, '0')}`);
  await enqueue([...ok, '15000000001', '15100000001']);
  const g = gateway();
  const outbox = new CampaignSmsOutbox(db.prisma, clock, logger, new SmsCampaignSender(g.post), { batchSize: 10, concurrency: 4 });
  expect(await outbox.kick()).toBe(25);
  expect(g.calls.sort()).toEqual([...ok, '15000000001', '15100000001'].sort());
  const s = await statusOf([...ok, '15000000001', '15100000001']);
  expect(ok.every((p) => s[p]?.status === 'SENT' && s[p].attempts === 1)).toBe(true);
  expect(s['15000000001']).toMatchObject({ status: 'PENDING', attempts: 1, error: expect.stringContaining('500') });
  expect(s['15100000001']).toMatchObject({ status: 'UNDELIVERABLE', attempts: 1 });
  // Nothing more now; the retry after its backoff.
  expect(await outbox.kick()).toBe(0);
  clock.advance(2_000);
  expect(await outbox.kick()).toBe(1);
  expect((await statusOf(['15000000001']))['15000000001']).toMatchObject({ status: 'PENDING', attempts: 2 });
});

it('a row held by a sender that died is sent again once its claim expires; two senders send each row once', async () => {
  const phones = Array.from({ length: 40 }, (_, i) => `139100000${String(i).padStart(2, '0')}`);
  await enqueue(phones);
  await db.prisma.outboxMessage.updateMany({ where: { endpoint: phones[0] }, data: { status: 'SENDING', lockedUntil: new Date(clock.now().getTime() + 30_000), attempts: 1 } });
  const g = gateway();
  const a = new CampaignSmsOutbox(db.prisma, clock, logger, new SmsCampaignSender(g.post), { batchSize: 7, concurrency: 3 });
  const b = new CampaignSmsOutbox(db.prisma, clock, logger, new SmsCampaignSender(g.post), { batchSize: 5, concurrency: 2 });
  await Promise.all([a.kick(), b.kick()]);
  expect(g.calls.filter((p) => phones.includes(p)).sort()).toEqual(phones.slice(1).sort());
  clock.advance(31_000);
  await a.kick();
  expect(g.calls.filter((p) => p === phones[0])).toHaveLength(1);
  const s = await statusOf(phones);
  expect(phones.filter((p) => s[p]?.status !== 'SENT')).toEqual([]);
});
