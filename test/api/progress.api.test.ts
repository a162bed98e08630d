import { randomBytes, randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { loadConfig } from '../../src/app/config';
import type { OpenDatabase } from '../../src/db/open-database';
import { runProgressJob } from '../../src/domain/progress/progress.job';
import { authenticate, createStaff, type StaffRole } from '../../src/domain/staff/staff.service';
import { createApp } from '../../src/http/create-app';
import { createProgressRouter } from '../../src/http/progress.router';
import { fixedClock } from '../../src/lib/clock';
import { createI18n } from '../../src/lib/i18n';
import { createLogger } from '../../src/lib/logger';
import { getBinary } from '../helpers/binary';
import { createTestDatabase } from '../helpers/test-database';

const PASSWORD = 'correct horse battery';
const config = loadConfig({ NODE_ENV: 'test' });
const clock = fixedClock('2026-11-30T04:00:00Z');
let db: OpenDatabase;
let app: ReturnType<typeof createApp>;
let serial = 0;

async function person(regionCode: string, opts: { status?: string; flags?: string[]; sex?: 'MALE' | 'FEMALE'; born?: number; employment?: string; enrol?: string[] } = {}) {
  serial++;
  return db.prisma.person.create({
    data: {
      id: randomUUID(),
      idNumber: `P${String(serial).padStart(17, '0')}`,
      name: '样例人',
      regionCode,
      registrationStatus: (opts.status ?? 'UNREGISTERED') as never,
      flags: (opts.flags ?? []) as never,
      sex: opts.sex ?? 'MALE',
      birthDate: new Date(`${opts.born ?? 1980}-05-05T00:00:00Z`),
      employmentStatus: (opts.employment ?? null) as never,
      enrolments: { create: (opts.enrol ?? []).map((t) => ({ insuranceType: t, status: 'PAYING' as const })) },
    },
  });
}

async function tokenFor(role: StaffRole, regionCode: string) {
  const username = `${role.toLowerCase().slice(0, 6)}-${randomBytes(4).toString('hex')}`;
  const staff = await createStaff(db.prisma, { username, role, regionCode, password: PASSWORD });
  const r = await authenticate(db.prisma, username, PASSWORD, clock, config);
  if (!r.ok) throw new Error('login failed');
  return { staff, auth: { Authorization: `Bearer ${r.token}` } };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.region.createMany({
    data: [
      { code: '530000', name: '云南省', level: 'PROVINCE' },
      { code: '530100', name: '昆明市', level: 'PREFECTURE', parentCode: '530000' },
      { code: '530102', name: '五华区', level: 'COUNTY', parentCode: '530100' },
      { code: '530102001', name: '华山街道', level: 'TOWNSHIP', parentCode: '530102' },
      { code: '530102002', name: '护国街道', level: 'TOWNSHIP', parentCode: '530102' },
      { code: '530103', name: '盘龙区', level: 'COUNTY', parentCode: '530100' },
      { code: '532300', name: '楚雄彝族自治州', level: 'PREFECTURE', parentCode: '530000' },
      { code: '532301', name: '楚雄市', level: 'COUNTY', parentCode: '532300' },
    ],
  });
  // Day 1 (2026-11-30): 6 persons in 五华区, 1 in 盘龙区, 3 in 楚雄市.
  await person('530102001', { status: 'CONFIRMED', enrol: ['110', '310'] });
  await person('530102001', { status: 'CONFIRMED', flags: ['MISSING_PHONE'], employment: 'FLEXIBLE' });
  const dup = await person('530102001', { status: 'UNREGISTERED', flags: ['MISSING_PHONE', 'DUPLICATE_MEDICAL'], enrol: ['310', '390'] });
  await person('530102002', { status: 'NEEDS_VISIT', sex: 'FEMALE', born: 1960, enrol: ['390'] });
  await person('530102002', { status: 'PENDING_REVIEW', born: 2015, enrol: ['390'] });
  await person('530102002', { status: 'CONFIRMED', enrol: ['170'] });
  await person('530103001', { status: 'CONFIRMED' });
  await person('532301001', { status: 'CONFIRMED', enrol: ['120'] });
  await person('532301001', { status: 'UNREGISTERED' });
  await person('532301001', { status: 'UNREGISTERED', flags: ['SEX_MISMATCH'] });
  await runProgressJob(db.prisma, clock);
  // Day 2 (2026-12-01): one more confirmation in 华山街道 and a duplicate cleared.
  clock.set('2026-12-01T04:00:00Z');
  const p = await person('530102001', { status: 'UNREGISTERED' });
  await db.prisma.person.update({ where: { id: p.id }, data: { registrationStatus: 'CONFIRMED' } });
  await db.prisma.person.update({ where: { id: dup.id }, data: { flags: ['MISSING_PHONE'] } });
  await runProgressJob(db.prisma, clock);
  app = createApp({ prisma: db.prisma, config, logger: createLogger({ level: 'silent' }), i18n: createI18n(), clock, routers: [createProgressRouter] });
}, 180_000);
afterAll(async () => {
  await db?.close();
});

describe('GET /api/progress', () => {
  it('gives the province its totals and one row per prefecture', async () => {
    const { auth } = await tokenFor('ADMIN', '530000');
    const res = await request(app).get('/api/progress?by=child').set(auth);
    expect(res.status).toBe(200);
    expect(res.body.region).toEqual({ code: '530000', name: '云南省' });
    expect(res.body.asOf).toBe('2026-12-01T04:00:00.000Z');
    expect(res.body.totals).toMatchObject({ persons: 11, confirmed: 6, unregistered: 3, pendingReview: 1, needsVisit: 1, confirmedShare: 0.5455 });
    expect(res.body.rows.map((r: { code: string; persons: number }) => [r.code, r.persons])).toEqual([
      ['530100', 8],
      ['532300', 3],
    ]);
  });

  it('counts flags, cover by the working-age rule and the gap, with flexible workers called out', async () => {
    const { auth } = await tokenFor('REVIEWER', '530102');
    const res = await request(app).get('/api/progress?region=530102&date=2026-12-01').set(auth);
    expect(res.status).toBe(200);
    expect(res.body.totals.flags).toEqual({ missingPhone: 2, missingResidence: 0, duplicateMedical: 0, duplicatePension: 0, sexMismatch: 0, unknownRegion: 0, duplicatesCleared: 1 });
    // Working age in 2026: the man born 2015 is too young, the woman born 1960 (66) too old: 5 of 7.
    expect(res.body.totals.cover).toEqual({
      workingAge: 5,
      pensionPaying: 2,
      pensionByScheme: { '110': 1, '120': 0, '170': 1 },
      medical: 4,
      medicalByScheme: { '310': 2, '390': 3 },
      gap: 2,
      coverShare: 0.6,
      flexibleWithoutCover: 1,
      platformWithoutCover: 0,
    });
    expect(res.body.rows.map((r: { code: string; name: string; persons: number; confirmed: number }) => [r.code, r.name, r.persons, r.confirmed])).toEqual([
      ['530102001', '华山街道', 4, 3],
      ['530102002', '护国街道', 3, 1],
    ]);
  });

  it('shows a past day as it was', async () => {
    const { auth } = await tokenFor('REVIEWER', '530102');
    const res = await request(app).get('/api/progress?region=530102001&date=2026-11-30').set(auth);
    expect(res.body.totals).toMatchObject({ persons: 3, confirmed: 2, flags: expect.objectContaining({ duplicateMedical: 1 }) });
    expect(res.body.rows).toEqual([]);
  });

  it('answers 404 for a region outside the caller’s county, like a missing one, and audits it', async () => {
    const { staff, auth } = await tokenFor('COMMUNITY_WORKER', '530102');
    for (const region of ['530100', '530103', '532301', '530000', '539999']) {
      const res = await request(app).get(`/api/progress?region=${region}`).set(auth);
      expect([region, res.status, res.body.error.code]).toEqual([region, 404, 'NOT_FOUND']);
    }
    const denied = await db.prisma.auditEvent.findMany({ where: { actorId: staff.id, action: 'progress.view', outcome: 'DENIED' } });
    expect(denied.map((a) => a.targetId).sort()).toEqual(['530000', '530100', '530103', '532301', '539999']);
    const own = await request(app).get('/api/progress').set(auth);
    expect(own.body.region.code).toBe('530102');
    expect(await db.prisma.auditEvent.count({ where: { actorId: staff.id, action: 'progress.view', outcome: 'OK', targetId: '530102' } })).toBe(1);
  });

  it('refuses bad queries and anonymous callers', async () => {
    const { auth } = await tokenFor('ADMIN', '530000');
    expect((await request(app).get('/api/progress?date=2026-13-01').set(auth)).status).toBe(400);
    expect((await request(app).get('/api/progress?region=53').set(auth)).status).toBe(400);
    expect((await request(app).get('/api/progress')).status).toBe(401);
  });
});

describe('GET /api/progress/trend', () => {
  it('gives the daily series of the region', async () => {
    const { auth } = await tokenFor('AGENT', '530100');
    const res = await request(app).get('/api/progress/trend?region=530102&from=2026-11-29&to=2026-12-01').set(auth);
    expect(res.status).toBe(200);
    expect(res.body.days.map((d: { date: string; persons: number; confirmed: number }) => [d.date, d.persons, d.confirmed])).toEqual([
      ['2026-11-30', 6, 3],
      ['2026-12-01', 7, 4],
    ]);
    expect((await request(app).get('/api/progress/trend?region=532300').set(auth)).status).toBe(404);
    expect((await request(app).get('/api/progress/trend?from=2026-12-02&to=2026-12-01').set(auth)).status).toBe(400);
  });
});

describe('targets and the ranking of regions behind target', () => {
  it('lets the level above set targets, ranks the regions behind, and refuses everyone else', async () => {
    const province = await tokenFor('ADMIN', '530000');
    const put = await request(app)
      .put('/api/progress/targets')
      .set(province.auth)
      .send({ year: 2026, targets: [{ region: '530100', confirmedShare: 0.9, coverShare: 0.8 }, { region: '532300', confirmedShare: 0.6 }, { region: '530102', confirmedShare: 0.5 }] });
    expect(put.status).toBe(200);
    const audit = await db.prisma.auditEvent.findFirstOrThrow({ where: { actorId: province.staff.id, action: 'progress.target', targetId: '530100' } });
    expect(audit.details).toMatchObject({ year: 2026, old: null, new: { confirmedShare: 0.9, coverShare: 0.8 } });

    const res = await request(app).get('/api/progress').set(province.auth);
    const kunming = res.body.rows.find((r: { code: string }) => r.code === '530100');
    expect(kunming).toMatchObject({ confirmedShare: 0.625, target: { confirmedShare: 0.9, coverShare: 0.8 }, behindBy: 0.275 });
    const behind = await request(app).get('/api/progress/behind').set(province.auth);
    expect(behind.body.regions.map((r: { rank: number; code: string; behindBy: number }) => [r.rank, r.code, r.behindBy])).toEqual([
      [1, '530100', 0.275],
      [2, '532300', 0.2667],
    ]);

    const county = await tokenFor('ADMIN', '530102');
    const own = await request(app).put('/api/progress/targets').set(county.auth).send({ year: 2026, targets: [{ region: '530102', confirmedShare: 0.1 }] });
    expect(own.status).toBe(403);
    const outside = await request(app).put('/api/progress/targets').set(county.auth).send({ year: 2026, targets: [{ region: '530103', confirmedShare: 0.1 }] });
    expect(outside.status).toBe(404);
    const reviewer = await tokenFor('REVIEWER', '530000');
    expect((await request(app).put('/api/progress/targets').set(reviewer.auth).send({ year: 2026, targets: [{ region: '530100', confirmedShare: 0.1 }] })).status).toBe(403);
    expect((await request(app).put('/api/progress/targets').set(province.auth).send({ year: 2026, targets: [{ region: '530100', confirmedShare: 1.5 }] })).status).toBe(400);
    const after = await db.prisma.progressTarget.findMany({ where: { year: 2026 }, orderBy: { regionCode: 'asc' } });
    expect(after.map((t) => [t.regionCode, t.confirmedShare])).toEqual([
      ['530100', 0.9],
      ['530102', 0.5],
      ['532300', 0.6],
    ]);
  });
});

describe('GET /api/progress/report.xlsx', () => {
  it.each(['zh-CN', 'en'] as const)('opens as a workbook whose totals equal the API (%s)', async (lang) => {
    const { auth } = await tokenFor('ADMIN', '530000');
    const file = await getBinary(app, auth, `/api/progress/report.xlsx?region=530100&from=2026-11-30&to=2026-12-01&lang=${lang}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as never);
    const names = wb.worksheets.map((w) => w.name);
    expect(names).toEqual(lang === 'en' ? ['Summary', '五华区', '盘龙区'] : ['汇总', '五华区', '盘龙区']);
    const summary = wb.worksheets[0] as ExcelJS.Worksheet;
    expect(String(summary.getCell(1, 1).value)).toContain(lang === 'en' ? 'progress report' : '情况通报');
    expect(String(summary.getCell(2, 1).value)).toContain('2026-11-30');
    const header = summary.getRow(6).values as unknown[];
    const col = (label: string) => header.indexOf(label);
    const api = await request(app).get('/api/progress?region=530100&date=2026-12-01').set(auth);
    const trend = await request(app).get('/api/progress/trend?region=530100&from=2026-11-30&to=2026-12-01').set(auth);
    const total = summary.getRow(7);
    const personsLabel = lang === 'en' ? 'Persons' : '人数';
    const confirmedLabel = lang === 'en' ? 'Confirmed' : '已确认';
    const clearedLabel = lang === 'en' ? 'Duplicates cleared' : '清理重复';
    expect([total.getCell(col(personsLabel)).value, total.getCell(col(confirmedLabel)).value]).toEqual([api.body.totals.persons, api.body.totals.confirmed]);
    const cleared = trend.body.days.reduce((s: number, d: { flags: { duplicatesCleared: number } }) => s + d.flags.duplicatesCleared, 0);
    expect(total.getCell(col(clearedLabel)).value).toBe(cleared);
    expect(cleared).toBe(1);
    for (const [i, row] of api.body.rows.entries()) {
      expect(summary.getRow(8 + i).getCell(col(personsLabel)).value).toBe(row.persons);
    }
    expect(summary.pageSetup.orientation).toBe('landscape');
  });

  it('is listed in the OpenAPI document with the other progress routes', async () => {
    const res = await request(app).get('/api/openapi.json');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/progress', '/api/progress/trend', '/api/progress/behind', '/api/progress/targets', '/api/progress/report.xlsx']),
    );
  });
});
