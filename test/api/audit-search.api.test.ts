import type { OpenDatabase } from '../../src/db/open-database';
import { seedRegions } from '../../src/domain/registry/region.service';
import { searchAudit } from '../../src/domain/staff/audit-search.service';
import { createStaff, type StaffPrincipal } from '../../src/domain/staff/staff.service';
import { createPerson } from '../helpers/chat-fixtures';
import { createTestDatabase } from '../helpers/test-database';

/** The audit search (issue 14): who may search, what each admin's area lets them see, paging, its own audit. */
let db: OpenDatabase;
const now = new Date('2026-12-01T02:00:00Z');
const staff: Record<string, StaffPrincipal> = {};
let kunmingIdNumber: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedRegions(db.prisma);
  for (const [username, role, regionCode] of [
    ['province.admin', 'ADMIN', '530000'],
    ['kunming.admin', 'ADMIN', '530100'],
    ['kunming.reviewer', 'REVIEWER', '530100'],
    ['qujing.reviewer', 'REVIEWER', '530300'],
  ] as const) {
    const s = await createStaff(db.prisma, { username, role, regionCode, password: 'correct horse battery' });
    staff[username] = { id: s.id, username, role, regionCode };
  }
  const at = (i: number) => new Date(now.getTime() - (100 - i) * 60_000);
  const kunmingPerson = await createPerson(db.prisma, { county: '530102' });
  await db.prisma.auditEvent.createMany({
    data: [
      ...Array.from({ length: 7 }, (_, i) => ({ actorType: 'STAFF' as const, actorId: staff['kunming.reviewer']!.id, source: 'console', action: 'review.view', targetType: 'change_request', targetId: '00000000-0000-0000-0000-00000000000' + i, at: at(i) })),
      { actorType: 'STAFF' as const, actorId: staff['qujing.reviewer']!.id, source: 'console', action: 'review.view', targetType: 'change_request', targetId: 'x', at: at(10) },
      { actorType: 'RESIDENT' as const, source: 'web', action: 'identity.verified', targetType: 'person', targetId: kunmingPerson.id, at: at(11) },
    ],
  });
  kunmingIdNumber = kunmingPerson.idNumber;
}, 120_000);
afterAll(async () => {
  await db?.close();
});

const search = (who: string, q: Parameters<typeof searchAudit>[2] = {}, opts = {}) => searchAudit(db.prisma, { principal: staff[who]!, source: 'console', now }, q, opts);

describe('audit search', () => {
  it('is for admins only; a refusal is audited', async () => {
    expect(await search('kunming.reviewer')).toEqual({ ok: false, reason: 'FORBIDDEN' });
    expect(await db.prisma.auditEvent.count({ where: { action: 'audit.search', outcome: 'DENIED', actorId: staff['kunming.reviewer']!.id } })).toBe(1);
  });

  it('shows a prefecture admin what the staff of the prefecture did, not other prefectures or residents', async () => {
    const r = await search('kunming.admin', { action: 'review.view' });
    expect(r.ok && r.rows.map((e) => e.actorUsername)).toEqual(Array(7).fill('kunming.reviewer'));
    const resident = await search('kunming.admin', { actorType: 'RESIDENT' });
    expect(resident.ok && resident.rows).toEqual([]);
  });

  it('shows everything done to a target in the area when the search names it (by ID number, masked in the audit)', async () => {
    const idNumber = kunmingIdNumber;
    const r = await search('kunming.admin', { target: idNumber });
    expect(r.ok && r.rows.map((e) => [e.action, e.actorType, e.target])).toEqual([['identity.verified', 'RESIDENT', `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`]]);
    const logged = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'audit.search', actorId: staff['kunming.admin']!.id }, orderBy: { id: 'desc' } });
    expect(JSON.stringify(logged.details)).not.toContain(idNumber);
  });

  it('shows a province admin every event, newest first, paged by cursor without gaps or repeats', async () => {
    const first = await search('province.admin', { action: 'review.', limit: 5 });
    if (!first.ok) throw new Error('refused');
    expect(first.rows).toHaveLength(5);
    expect(first.nextCursor).not.toBeNull();
    const second = await search('province.admin', { action: 'review.', limit: 5, cursor: first.nextCursor! });
    if (!second.ok) throw new Error('refused');
    const ids = [...first.rows, ...second.rows].map((e) => BigInt(e.id));
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
    expect(second.nextCursor).toBeNull();
    expect(await search('province.admin', { cursor: 'abc' })).toEqual({ ok: false, reason: 'BAD_CURSOR' });
  });

  it('filters by period and by staff username; an export is audited as audit.export', async () => {
    const r = await search('province.admin', { actor: 'qujing.reviewer', from: new Date(now.getTime() - 95 * 60_000), to: now }, { export: true });
    expect(r.ok && r.rows.map((e) => e.actorUsername)).toEqual(['qujing.reviewer']);
    expect(await db.prisma.auditEvent.count({ where: { action: 'audit.export', actorId: staff['province.admin']!.id } })).toBe(1);
  });
});
