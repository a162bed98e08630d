import { Readable } from 'node:stream';
import request from 'supertest';
import { importRegistry } from '../../src/domain/registry-import';
import { ENROLMENT_COLUMNS, PERSON_COLUMNS } from '../../src/domain/registry-import/formats';
import { raiseDuplicateCover, rescanDuplicateCover } from '../../src/domain/worklists/duplicate-cover';
import { addWorkItem } from '../../src/domain/worklists/work-items';
import type { Locale } from '../../src/lib/i18n';
import { ChatClient, createPerson, newIdNumber } from '../helpers/chat-fixtures';
import { addPerson, newTownship } from '../helpers/community-fixtures';
import { signedInStaff } from '../helpers/staff-fixtures';
import { useStaffApp } from '../helpers/staff-app';

/** Duplicate cover on the worklist (issue 17): raised once, worked by the region's staff, closed with the scheme kept; the resident is told. */
const app = useStaffApp();

const prisma = () => app().db.prisma;
const http = () => request(app().app);
const itemsOf = (personId: string) => prisma().workItem.findMany({ where: { personId }, orderBy: { dedupeKey: 'asc' } });
const auditOf = (targetId: string, action: string) => prisma().auditEvent.findMany({ where: { targetId, action }, orderBy: { id: 'asc' } });

interface Item {
  id: string;
  kind: string;
  status: string;
  version: number;
  person: { id: string; idNumber: string; name: string } | null;
  details: { family: string; suggestedKeep: string; schemes: { insuranceType: string; lastPaidMonth: string | null }[] };
  outcome: string | null;
  keep: string | null;
  closedBy: string | null;
}

describe('duplicate cover items', () => {
  it('are raised once per person and scheme family, with the schemes, periods and the suggested keep, also by the re-scan', async () => {
    const p = await addPerson(prisma(), { region: newTownship('530102'), paying: ['310', '390', '110', '170', '210'] });
    await prisma().enrolment.updateMany({ where: { personId: p.id, insuranceType: '390' }, data: { lastPaidMonth: '2026-09', firstEnrolled: new Date('2019-01-01T00:00:00Z') } });
    const single = await addPerson(prisma(), { region: newTownship('530102'), paying: ['390', '170'] });

    expect(await raiseDuplicateCover(prisma(), { personIds: [p.id, single.id], source: 'import', at: app().clock.now() })).toBe(2);
    expect(await raiseDuplicateCover(prisma(), { personIds: [p.id, single.id], source: 'import', at: app().clock.now() })).toBe(0);
    await rescanDuplicateCover(prisma(), { source: 'cli', at: app().clock.now() });

    const items = await itemsOf(p.id);
    expect(items.map((i) => [i.kind, i.status, i.dedupeKey, i.regionCode])).toEqual([
      ['DUPLICATE_COVER', 'OPEN', `DUPLICATE_COVER:${p.id}:medical`, p.regionCode],
      ['DUPLICATE_COVER', 'OPEN', `DUPLICATE_COVER:${p.id}:pension`, p.regionCode],
    ]);
    expect(items[0]!.details).toMatchObject({
      family: 'medical',
      suggestedKeep: '310',
      schemes: [{ insuranceType: '310' }, { insuranceType: '390', firstEnrolled: '2019-01-01', lastPaidMonth: '2026-09' }],
    });
    expect(items[1]!.details).toMatchObject({ family: 'pension', suggestedKeep: '110', schemes: [{ insuranceType: '110' }, { insuranceType: '170' }] });
    expect(await itemsOf(single.id)).toEqual([]);
    // The same fact found by the feeds' writer (addWorkItem) is the same entry.
    expect(await addWorkItem(prisma(), { kind: 'DUPLICATE_COVER', personId: p.id, regionCode: p.regionCode, key: 'medical', details: {} })).toBe(false);
  });

  it('are raised by the import when it writes the enrolments, and not again when the same files come twice', async () => {
    const id = newIdNumber('530102', '19750515');
    const person: Record<string, string> = { id_number: id, name: '赵样例', ethnicity: '01', phone: '13800000001', hukou_region: '530102', residence_region: '530102', employment_status: 'EMPLOYED' };
    const csv = (cols: readonly string[], rows: Record<string, string>[]) => [cols.join(','), ...rows.map((r) => cols.map((c) => r[c] ?? '').join(','))].join('\n') + '\n';
    const enrolments = ['310', '390', '170'].map((t) => ({ id_number: id, insurance_type: t, status: '1', region: '530102', first_enrolled: '2016-03-01', last_paid_month: '2026-10' }));
    const run = () => importRegistry(prisma(), { persons: Readable.from([csv(PERSON_COLUMNS, [person])]), enrolments: Readable.from([csv(ENROLMENT_COLUMNS, enrolments)]) });
    await run();
    await run();
    const p = await prisma().person.findUniqueOrThrow({ where: { idNumber: id } });
    expect(p.flags).toContain('DUPLICATE_MEDICAL');
    expect((await itemsOf(p.id)).map((i) => [i.dedupeKey, (i.details as { source: string; schemes: unknown[] }).source, (i.details as { schemes: unknown[] }).schemes.length])).toEqual([[`DUPLICATE_COVER:${p.id}:medical`, 'import', 2]]);
  });

  it('are closed by the region’s staff with the scheme to keep, checking the version; outside the region they are 404', async () => {
    const county = '530102';
    const p = await addPerson(prisma(), { region: newTownship(county), paying: ['310', '390'] });
    await raiseDuplicateCover(prisma(), { personIds: [p.id], source: 'import', at: app().clock.now() });
    const [row] = await itemsOf(p.id);
    const worker = await signedInStaff(app(), 'COMMUNITY_WORKER', county);
    const prefecture = await signedInStaff(app(), 'REVIEWER', '530100');
    const otherCounty = await signedInStaff(app(), 'COMMUNITY_WORKER', '530103');
    const agent = await signedInStaff(app(), 'AGENT', county);

    const listed = async (auth: Record<string, string>) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await http().get('/api/worklists').query({ kind: 'DUPLICATE_COVER', limit: 200, ...(cursor ? { cursor } : {}) }).set(auth).expect(200);
        ids.push(...(res.body.items as Item[]).map((i) => i.id));
        cursor = res.body.nextCursor as string | null;
      } while (cursor);
      return ids;
    };
    expect(await listed(worker.auth)).toContain(row!.id);
    expect(await listed(prefecture.auth)).toContain(row!.id);
    expect(await listed(otherCounty.auth)).not.toContain(row!.id);
    await http().get('/api/worklists').set(agent.auth).expect(403);

    const out = await http().get(`/api/worklists/${row!.id}`).set(otherCounty.auth).expect(404);
    expect(out.body.error.code).toBe('NOT_FOUND');
    await http().post(`/api/worklists/${row!.id}/close`).set(otherCounty.auth).send({ version: 0, outcome: 'SCHEME_KEPT', keep: '310' }).expect(404);
    expect((await auditOf(row!.id, 'work_item.view'))[0]).toMatchObject({ outcome: 'DENIED', actorId: otherCounty.id });

    const seen = await http().get(`/api/worklists/${row!.id}`).set(worker.auth).expect(200);
    const item = seen.body as Item;
    expect(seen.headers.etag).toBe('"0"');
    expect(item).toMatchObject({ kind: 'DUPLICATE_COVER', status: 'OPEN', version: 0, details: { family: 'medical', suggestedKeep: '310' } });
    expect(item.person!.idNumber).toBe(`${p.idNumber.slice(0, 6)}********${p.idNumber.slice(-4)}`);

    const close = (body: object, auth = worker.auth) => http().post(`/api/worklists/${row!.id}/close`).set(auth).send(body);
    expect((await close({ outcome: 'SCHEME_KEPT', keep: '310' }).expect(428)).body.error.code).toBe('VERSION_REQUIRED');
    expect((await close({ version: 0, outcome: 'SCHEME_KEPT', keep: '110' }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    expect((await close({ version: 0, outcome: 'SCHEME_KEPT' }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    expect((await close({ version: 0, outcome: 'SCHEME_KEPT', keep: '390', extra: 1 }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    expect((await close({ version: 3, outcome: 'SCHEME_KEPT', keep: '390' }).expect(409)).body.error.code).toBe('VERSION_CONFLICT');

    const done = await close({ version: 0, outcome: 'SCHEME_KEPT', keep: '390', note: '单位已停保，保留居民医保' }).expect(200);
    expect(done.body).toMatchObject({ status: 'DONE', outcome: 'SCHEME_KEPT', keep: '390', note: '单位已停保，保留居民医保', version: 1, closedBy: worker.username });
    const again = await close({ version: 1, outcome: 'NO_ACTION_NEEDED' }, prefecture.auth).expect(409);
    expect(again.body.error.code).toBe('ALREADY_CLOSED');
    expect((await auditOf(row!.id, 'work_item.close')).map((e) => [e.outcome, e.actorId])).toEqual([
      ['DENIED', otherCounty.id],
      ['FAILED', worker.id],
      ['OK', worker.id],
      ['FAILED', prefecture.id],
    ]);
    expect((await auditOf(row!.id, 'work_item.close')).find((e) => e.outcome === 'OK')!.details).toMatchObject({ kind: 'DUPLICATE_COVER', outcome: 'SCHEME_KEPT', keep: '390', personId: p.id });
    // Closed entries are listed under DONE, not OPEN; a raised fact is not raised again.
    const doneList = await http().get('/api/worklists').query({ status: 'DONE', kind: 'DUPLICATE_COVER', limit: 200 }).set(worker.auth).expect(200);
    expect((doneList.body.items as Item[]).map((i) => i.id)).toContain(row!.id);
    expect(await raiseDuplicateCover(prisma(), { personIds: [p.id], source: 'import', at: app().clock.now() })).toBe(0);
  });

  it('are listed in the OpenAPI document', async () => {
    const doc = await http().get('/api/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/worklists', '/api/worklists/{id}', '/api/worklists/{id}/close', '/api/merge-requests']));
  });
});

describe('the resident is told in chat', () => {
  it.each<[Locale, RegExp]>([
    ['zh-CN', /社保经办人员已登记您重复参保的情况，会联系您/],
    ['en', /Staff of the social-security office have your double cover on their list and will contact you/],
  ])('when they check their status (%s)', async (lng, told) => {
    const p = await createPerson(prisma(), { county: '530102' });
    await prisma().enrolment.createMany({ data: [{ personId: p.id, insuranceType: '310', status: 'PAYING', regionCode: '530102' }] });
    await prisma().enrolment.updateMany({ where: { personId: p.id, insuranceType: '390' }, data: { status: 'PAYING', lastPaidMonth: '2026-10' } });
    await raiseDuplicateCover(prisma(), { personIds: [p.id], source: 'import', at: app().clock.now() });

    const c = await ChatClient.start(app().app);
    if (lng === 'en') await c.send('2');
    await c.send('1');
    await c.send(p.idNumber);
    await c.send(p.name);
    await c.send(p.phone!.slice(-4));
    const status = (await c.send('1')).map((r) => r.text).join('\n');
    expect(status).toMatch(told);
    expect(status).toContain(app().i18n.t('status.showingStatus.advice_DUPLICATE_MEDICAL', { lng }));
    expect(status).not.toContain(p.idNumber);
  });
});
