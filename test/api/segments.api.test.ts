import { staffRouters } from '../../src/app/staff-routers';
import { activeHoursPerDay, isQuiet } from '../../src/domain/campaigns/quiet-hours';
import { seedRegions } from '../../src/domain/registry/region.service';
import { addPerson, api, bindWechat, newTownship, staffToken } from '../helpers/community-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** Segments: typed filters counted exactly, always inside the worker's region; out of scope = 404, audited. */
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp({ CAMPAIGN_SMS_PER_MINUTE: '60', CAMPAIGN_WECHAT_PER_MINUTE: '10' }, { extraRouters: staffRouters() });
  await seedRegions(app.db.prisma);
}, 120_000);
afterAll(async () => {
  await app?.close();
});
const prisma = () => app.db.prisma;

interface Preview {
  count: number;
  sample: { idNumber: string; name: string; channel: string }[];
  byChannel: { wechat: number; sms: number; none: number };
  estimatedHours: number;
}

describe('quiet hours (China time)', () => {
  it.each([
    ['2026-12-01T13:00:00Z', true], // 21:00 in China
    ['2026-12-01T12:59:00Z', false],
    ['2026-12-01T23:59:00Z', true], // 07:59
    ['2026-12-02T00:00:00Z', false], // 08:00
  ])('%s quiet=%s', (at, quiet) => {
    expect(isQuiet({ start: '21:00', end: '08:00' }, new Date(at))).toBe(quiet);
    expect(isQuiet(null, new Date(at))).toBe(false);
  });
  it('counts the sending hours of a day', () => {
    expect(activeHoursPerDay({ start: '21:00', end: '08:00' })).toBe(13);
    expect(activeHoursPerDay({ start: '12:00', end: '14:00' })).toBe(22);
    expect(activeHoursPerDay(null)).toBe(24);
  });
});

describe('POST /api/segments/preview', () => {
  it('counts exactly by status, flags, missing cover, employment and age; reach per channel; masked sample', async () => {
    const town = newTownship('530102');
    const other = newTownship('530102');
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530102');
    const a = await addPerson(prisma(), { region: town, status: 'UNREGISTERED', flags: ['MISSING_PHONE'], paying: ['170'], birth: '19600101', name: '杨大妈' });
    const b = await addPerson(prisma(), { region: town, status: 'UNREGISTERED', paying: ['170', '390'], birth: '19900101' });
    const c = await addPerson(prisma(), { region: town, status: 'NEEDS_VISIT', phone: null, birth: '20000101', employment: 'STUDENT' });
    await addPerson(prisma(), { region: town, status: 'CONFIRMED', paying: ['110', '310'] });
    await addPerson(prisma(), { region: other, status: 'UNREGISTERED' });
    await bindWechat(prisma(), a.id);

    const preview = async (filter: object, extra: object = {}) => {
      const r = await api(app.app, auth).post('/api/segments/preview', { filter, ...extra });
      expect(r.status).toBe(200);
      return r.body as Preview;
    };
    const all = await preview({ region: town });
    expect(all.count).toBe(4);
    expect(all.byChannel).toEqual({ wechat: 1, sms: 2, none: 1 });
    expect(all.sample).toHaveLength(4);
    for (const s of all.sample) {
      expect(s.idNumber).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
      expect(s.name).toMatch(/^.\*+$/);
    }
    expect((await preview({ region: town, registrationStatus: ['UNREGISTERED', 'NEEDS_VISIT'] })).count).toBe(3);
    expect((await preview({ region: town, flags: ['MISSING_PHONE', 'SEX_MISMATCH'] })).count).toBe(1);
    // Missing cover: without a paying 390 -> a, c and the confirmed one; without 170 or without 390 -> a, c, confirmed.
    expect((await preview({ region: town, missingInsurance: ['390'] })).count).toBe(3);
    expect((await preview({ region: town, missingInsurance: ['170', '390'] })).count).toBe(3);
    expect((await preview({ region: town, missingInsurance: ['170'] })).count).toBe(2);
    expect((await preview({ region: town, employmentStatus: ['STUDENT'] })).count).toBe(1);
    // Ages on 2026-11-29: a 66, b 36, c 26, confirmed 46.
    expect((await preview({ region: town, ageFrom: 60 })).count).toBe(1);
    expect((await preview({ region: town, ageFrom: 26, ageTo: 36 })).count).toBe(2);
    expect((await preview({ region: town, ageTo: 25 })).count).toBe(0);
    // Only SMS allowed: the WeChat-bound person has a phone too.
    expect((await preview({ region: town }, { channels: ['sms'] })).byChannel).toEqual({ wechat: 0, sms: 3, none: 1 });
    // Estimated time: 2 SMS at 60/min and 1 WeChat at 10/min -> max(2/3600, 1/600) h, over 13 sending hours a day.
    expect(all.estimatedHours).toBeCloseTo(Math.round(((1 / 600) * 24 * 100) / 13) / 100, 2);
    expect((await preview({ region: town }, { quietHours: null })).estimatedHours).toBeCloseTo(Math.round((1 / 600) * 100) / 100, 2);

    // The count of the county covers both townships.
    expect((await preview({ region: '530102', registrationStatus: ['UNREGISTERED'] })).count).toBeGreaterThanOrEqual(3);
    expect(c.phone).toBeNull();
    expect(b.id).toBeDefined();
  });

  it('exclusions: opted out, do-not-contact, verified lately, open change request, contacted lately', async () => {
    const town = newTownship('530103');
    const { auth, staff } = await staffToken(prisma(), app.clock, app.config, '530103');
    const keep = await addPerson(prisma(), { region: town });
    await addPerson(prisma(), { region: town, optedOut: true });
    const dnc = await addPerson(prisma(), { region: town });
    await prisma().doNotContact.create({ data: { personId: dnc.id, reason: 'asked by family', setBy: staff.id } });
    const verified = await addPerson(prisma(), { region: town });
    await prisma().auditEvent.create({
      data: { actorType: 'RESIDENT', actorId: verified.id, source: 'web', action: 'identity.verified', targetType: 'person', targetId: verified.id, at: new Date(app.clock.now().getTime() - 3 * 86_400_000) },
    });
    const pending = await addPerson(prisma(), { region: town });
    await prisma().changeRequest.create({
      data: { reference: `CRT${pending.id.slice(0, 8)}`, kind: 'FIELD_CHANGE', personId: pending.id, fields: ['name'], currentValues: {}, proposedValues: {}, channel: 'web', dueAt: app.clock.now(), regionCode: town },
    });
    const contacted = await addPerson(prisma(), { region: town });
    const campaign = await prisma().campaign.create({ data: { name: 't', regionCode: town, filter: {}, template: 'reminder.confirm', channels: ['sms'], createdBy: staff.id } });
    await prisma().campaignRecipient.create({ data: { campaignId: campaign.id, personId: contacted.id, status: 'SENT', sentAt: new Date(app.clock.now().getTime() - 2 * 86_400_000) } });

    const count = async (filter: object) => ((await api(app.app, auth).post('/api/segments/preview', { filter })).body as Preview).count;
    // Default: opted out, do-not-contact and the open change request are left out.
    expect(await count({ region: town })).toBe(3);
    expect(await count({ region: town, excludeOptedOut: false, excludeOpenChangeRequest: false })).toBe(6);
    expect(await count({ region: town, excludeVerifiedDays: 7 })).toBe(2);
    expect(await count({ region: town, excludeVerifiedDays: 2 })).toBe(3);
    expect(await count({ region: town, notContactedDays: 7 })).toBe(2);
    expect(await count({ region: town, notContactedDays: 1 })).toBe(3);
    expect(keep.id).toBeDefined();
  });

  it('out of region answers 404 like a missing thing and is audited; bad filters are 400; reviewers are 403', async () => {
    const { auth, staff } = await staffToken(prisma(), app.clock, app.config, '530300');
    const r = await api(app.app, auth).post('/api/segments/preview', { filter: { region: '530102' } });
    expect(r.status).toBe(404);
    const denied = await prisma().auditEvent.findFirst({ where: { actorId: staff.id, action: 'segment.preview', outcome: 'DENIED' } });
    expect(denied).toMatchObject({ targetId: '530102' });
    expect((await api(app.app, auth).post('/api/segments/preview', { filter: { region: '530000' } })).status).toBe(404);
    for (const filter of [{}, { region: '53' }, { region: '530301', registrationStatus: ['LOST'] }, { region: '530301', ageFrom: 50, ageTo: 40 }, { region: '530301', color: 'red' }]) {
      expect((await api(app.app, auth).post('/api/segments/preview', { filter })).status).toBe(400);
    }
    const ok = await api(app.app, auth).post('/api/segments/preview', { filter: { region: '530301' } });
    expect(ok.status).toBe(200);
    const reviewer = await staffToken(prisma(), app.clock, app.config, '530300', 'REVIEWER');
    expect((await api(app.app, reviewer.auth).post('/api/segments/preview', { filter: { region: '530301' } })).status).toBe(403);
  });

  it('saves segments and lists only those of the region', async () => {
    const town = newTownship('530111');
    const mine = await staffToken(prisma(), app.clock, app.config, '530111');
    const theirs = await staffToken(prisma(), app.clock, app.config, '530112');
    const saved = await api(app.app, mine.auth).post('/api/segments', { name: '未登记老人', filter: { region: town, registrationStatus: ['UNREGISTERED'], ageFrom: 60 } });
    expect(saved.status).toBe(201);
    const id = (saved.body as { id: string }).id;
    expect((await api(app.app, mine.auth).get(`/api/segments/${id}`)).body).toMatchObject({ name: '未登记老人', filter: { ageFrom: 60 } });
    expect(((await api(app.app, mine.auth).get('/api/segments')).body as { segments: { id: string }[] }).segments.map((s) => s.id)).toContain(id);
    expect(((await api(app.app, theirs.auth).get('/api/segments')).body as { segments: { id: string }[] }).segments.map((s) => s.id)).not.toContain(id);
    expect((await api(app.app, theirs.auth).get(`/api/segments/${id}`)).status).toBe(404);
    expect((await api(app.app, theirs.auth).post('/api/segments', { name: 'x', filter: { region: town } })).status).toBe(404);
  });
});
