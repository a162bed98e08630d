import ExcelJS from 'exceljs';
import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import { seedRegions } from '../../src/domain/registry/region.service';
import { addPerson, api, newTownship, staffToken } from '../helpers/community-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** Household-visit lists: workbook per township, one sheet per village; results round trip, rejects, idempotent. */
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({}, { extraRouters: staffRouters() });
  await seedRegions(app.db.prisma);
}, 120_000);
afterAll(async () => {
  await app?.close();
});
const prisma = () => app.db.prisma;

async function download(auth: Record<string, string>, url: string): Promise<Buffer> {
  const r = await request(app.app)
    .get(url)
    .set(auth)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(r.status).toBe(200);
  return r.body as Buffer;
}

/** The files of a stored (uncompressed) zip, read from its local headers. */
function unzipStored(zip: Buffer): { name: string; data: Buffer }[] {
  const files: { name: string; data: Buffer }[] = [];
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    expect(zip.readUInt16LE(at + 8)).toBe(0);
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const start = at + 30 + nameLength + zip.readUInt16LE(at + 28);
    files.push({ name: zip.subarray(at + 30, at + 30 + nameLength).toString('utf8'), data: zip.subarray(start, start + size) });
    at = start + size;
  }
  return files;
}

describe('visit lists', () => {
  it('one workbook per township (zip, or a link each from /townships), each with one sheet per village; the single workbook still works', async () => {
    const [t1, t2] = [newTownship('530102'), newTownship('530102')];
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530102');
    for (const region of [`${t1}001`, `${t1}002`, `${t1}002`, `${t2}001`]) await addPerson(prisma(), { region, status: 'UNREGISTERED' });
    const other = await staffToken(prisma(), app.clock, app.config, '530103');
    const { id } = (await api(app.app, auth).post('/api/visit-lists', { filter: { region: t1.slice(0, 6), registrationStatus: ['UNREGISTERED'] } })).body as { id: string };

    const listed = await api(app.app, auth).get(`/api/visit-lists/${id}/townships`);
    expect(listed.status).toBe(200);
    const mine = (listed.body as { townships: { code: string; rows: number; villages: number; xlsx: string }[] }).townships.filter((t) => t.code === t1 || t.code === t2);
    expect(mine).toEqual([
      { code: t1, name: null, rows: 3, villages: 2, xlsx: `/api/visit-lists/${id}.xlsx?township=${t1}` },
      { code: t2, name: null, rows: 1, villages: 1, xlsx: `/api/visit-lists/${id}.xlsx?township=${t2}` },
    ]);
    const one = new ExcelJS.Workbook();
    await one.xlsx.load((await download(auth, mine[0]!.xlsx)) as unknown as ArrayBuffer);
    expect(one.worksheets.map((w) => w.name.split(' ').pop())).toEqual([`${t1}001`, `${t1}002`]);

    const files = unzipStored(await download(auth, `/api/visit-lists/${id}.zip`));
    const byName = new Map(files.map((f) => [f.name, f.data]));
    expect(byName.has(`${t1}.xlsx`) && byName.has(`${t2}.xlsx`)).toBe(true);
    const zipped = new ExcelJS.Workbook();
    await zipped.xlsx.load(byName.get(`${t1}.xlsx`) as unknown as ArrayBuffer);
    expect(zipped.worksheets.map((w) => [w.name.split(' ').pop(), w.rowCount])).toEqual([
      [`${t1}001`, 2],
      [`${t1}002`, 3],
    ]);
    // The single workbook and the CSV still hold the whole list; another county's worker gets 404.
    const all = new ExcelJS.Workbook();
    await all.xlsx.load((await download(auth, `/api/visit-lists/${id}.xlsx`)) as unknown as ArrayBuffer);
    expect(all.worksheets.map((w) => w.name.split(' ').pop())).toEqual(expect.arrayContaining([`${t1}001`, `${t1}002`, `${t2}001`]));
    await api(app.app, other.auth).get(`/api/visit-lists/${id}/townships`).expect(404);
    await api(app.app, other.auth).get(`/api/visit-lists/${id}.zip`).expect(404);
  });

  it('workbook round trip: sheets per village, direct and reviewed fields, NEEDS_VISIT, deceased for review, rejects, second upload changes nothing', async () => {
    const town = newTownship('530102');
    const v1 = `${town}001`;
    const v2 = `${town}002`;
    const { auth, staff } = await staffToken(prisma(), app.clock, app.config, '530102');
    await prisma().household.create({ data: { id: `H${town}`, regionCode: v1 } });
    const visited = await addPerson(prisma(), { region: v1, status: 'NEEDS_VISIT', phone: null, flags: ['MISSING_PHONE'], householdId: `H${town}`, name: '李大' });
    await addPerson(prisma(), { region: v1, status: 'CONFIRMED', householdId: `H${town}`, name: '李二' });
    const absent = await addPerson(prisma(), { region: v1, status: 'UNREGISTERED', name: '王三' });
    const deceased = await addPerson(prisma(), { region: v2, status: 'UNREGISTERED', name: '赵四' });
    const renamed = await addPerson(prisma(), { region: v2, status: 'UNREGISTERED', name: '钱伍' });
    const bad = await addPerson(prisma(), { region: v2, status: 'UNREGISTERED', name: '孙六' });

    const created = await api(app.app, auth).post('/api/visit-lists', { filter: { region: town, registrationStatus: ['UNREGISTERED', 'NEEDS_VISIT'] } });
    expect(created.status).toBe(201);
    const { id, rows } = created.body as { id: string; rows: number };
    expect(rows).toBe(5);

    const file = await download(auth, `/api/visit-lists/${id}.xlsx?township=${town}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name.split(' ').pop())).toEqual([v1, v2]);
    const s1 = wb.worksheets[0]!;
    expect(s1.getRow(1).getCell(7).value).toContain('走访结果');
    const rowOf = (name: string) => {
      for (const ws of wb.worksheets) for (let i = 2; i <= ws.rowCount; i++) if (ws.getRow(i).getCell(3).value === `${name[0]}*`) return ws.getRow(i);
      throw new Error(`no row for ${name}`);
    };
    // Masked identity; the household's other member listed (masked).
    expect(String(rowOf('李大').getCell(2).value)).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
    expect(rowOf('李大').getCell(6).value).toBe('李*');
    expect(String(rowOf('李大').getCell(5).value)).toContain('缺手机号');

    rowOf('李大').getCell(7).value = '已走访';
    rowOf('李大').getCell(8).value = '13912340000';
    rowOf('李大').getCell(9).value = '演示村二组5号';
    rowOf('王三').getCell(7).value = 'absent';
    rowOf('赵四').getCell(7).value = '已死亡';
    rowOf('钱伍').getCell(7).value = 'visited';
    rowOf('钱伍').getCell(10).value = '钱五';
    rowOf('孙六').getCell(7).value = '搬走了';
    wb.worksheets[1]!.addRow(['V999999', '', '', '', '', '', 'visited']);
    const filled = Buffer.from(await wb.xlsx.writeBuffer());

    const upload = () => request(app.app).post(`/api/visit-lists/${id}/results`).set(auth).set('content-type', 'application/octet-stream').send(filled);
    const first = await upload();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ applied: 4, unchanged: 0, changeRequests: 2 });
    expect((first.body as { rejects: { reason: string }[] }).rejects.map((r) => r.reason).sort()).toEqual(['BAD_RESULT', 'UNKNOWN_ROW']);

    const p1 = await prisma().person.findUniqueOrThrow({ where: { id: visited.id } });
    expect(p1).toMatchObject({ phone: '13912340000', residenceAddress: '演示村二组5号', registrationStatus: 'UNREGISTERED', flags: [] });
    expect((await prisma().person.findUniqueOrThrow({ where: { id: absent.id } })).registrationStatus).toBe('NEEDS_VISIT');
    expect((await prisma().person.findUniqueOrThrow({ where: { id: bad.id } })).registrationStatus).toBe('UNREGISTERED');
    const crs = await prisma().changeRequest.findMany({ where: { personId: { in: [deceased.id, renamed.id] } }, orderBy: { createdAt: 'asc' } });
    expect(crs.map((c) => [c.fields[0], c.proposedValues, c.submittedByStaff, c.channel]).sort()).toEqual(
      [
        ['lifeStatus', { lifeStatus: 'DECEASED' }, staff.id, 'visit'],
        ['name', { name: '钱五' }, staff.id, 'visit'],
      ].sort(),
    );
    expect((await prisma().person.findUniqueOrThrow({ where: { id: renamed.id } })).name).toBe('钱伍');

    const again = await upload();
    expect(again.body).toMatchObject({ applied: 0, unchanged: 4, changeRequests: 0 });
    expect(await prisma().changeRequest.count({ where: { personId: { in: [deceased.id, renamed.id] } } })).toBe(2);
    const audits = await prisma().auditEvent.count({ where: { action: 'visit.result', targetId: { in: [visited.id, absent.id, deceased.id, renamed.id] } } });
    expect(audits).toBe(4);

    const csv = (await download(auth, `/api/visit-lists/${id}.csv?lang=en`)).toString('utf8');
    expect(csv.split('\n')[0]).toContain('Result (visited/absent/moved/deceased)');
    expect(csv.trim().split('\n')).toHaveLength(6);
    expect(csv).not.toContain(visited.idNumber);

    const other = await staffToken(prisma(), app.clock, app.config, '530300');
    await request(app.app).get(`/api/visit-lists/${id}.xlsx`).set(other.auth).expect(404);
    await request(app.app).post(`/api/visit-lists/${id}/results`).set(other.auth).set('content-type', 'application/octet-stream').send(filled).expect(404);
    expect((await api(app.app, other.auth).post('/api/visit-lists', { filter: { region: town } })).status).toBe(404);
  });

  it("from a campaign: the unreachable and unresponsive recipients", async () => {
    const town = newTownship('530103');
    const { auth, staff } = await staffToken(prisma(), app.clock, app.config, '530103');
    const noChannel = await addPerson(prisma(), { region: town, phone: null });
    const silent = await addPerson(prisma(), { region: town });
    const done = await addPerson(prisma(), { region: town });
    const c = await prisma().campaign.create({ data: { name: 'c', regionCode: town, filter: { region: town }, template: 'reminder.confirm', channels: ['sms'], createdBy: staff.id, status: 'FINISHED' } });
    await prisma().campaignRecipient.createMany({
      data: [
        { campaignId: c.id, personId: noChannel.id, status: 'SKIPPED', skipReason: 'NO_CHANNEL' },
        { campaignId: c.id, personId: silent.id, status: 'SENT', sentAt: app.clock.now() },
        { campaignId: c.id, personId: done.id, status: 'COMPLETED', sentAt: app.clock.now(), outcome: 'CONFIRMED' },
      ],
    });
    const r = await api(app.app, auth).post('/api/visit-lists', { campaignId: c.id });
    expect(r.body).toMatchObject({ rows: 2 });
    const entries = await prisma().visitListEntry.findMany({ where: { visitListId: (r.body as { id: string }).id } });
    expect(entries.map((e) => e.personId).sort()).toEqual([noChannel.id, silent.id].sort());
  });
});
