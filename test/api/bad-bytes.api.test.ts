import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import { importRegistry, PERSON_COLUMNS } from '../../src/domain/registry-import';
import { seedRegions } from '../../src/domain/registry/region.service';
import { authenticate, createStaff } from '../../src/domain/staff/staff.service';
import { reviewDueAt } from '../../src/domain/calendar/working-days';
import { ChatClient, createPerson, newIdNumber } from '../helpers/chat-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * NUL and other C0 control characters (issue 9, item 4) at the HTTP entry points and in CSV import fields:
 * answered normally, stored without them. (The WeChat channels have their own cases in test/channels.)
 */
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp({}, { extraRouters: staffRouters() });
  await seedRegions(app.db.prisma);
}, 180_000); // migrating a fresh database is slow on a busy machine
afterAll(async () => {
  await app?.close();
});

const inboundTexts = async (c: ChatClient) => {
  const conv = await app.db.prisma.conversation.findUniqueOrThrow({ where: { channel_endpoint: { channel: 'web', endpoint: c.sessionId } } });
  return (await app.db.prisma.message.findMany({ where: { conversationId: conv.id, direction: 'IN' }, orderBy: { seq: 'asc' } })).map((m) => m.text);
};

it('answers chat text with NUL and control characters normally, in both languages, and stores it without them', async () => {
  const p = await createPerson(app.db.prisma, { name: '王秀英' });
  const zh = await ChatClient.start(app.app);
  expect((await zh.send('1\u0000'))[0]!.text).toBe('请输入您的身份证号码（18位）。');
  expect((await zh.send(`\u0000${p.idNumber}\u001b`))[0]!.text).toBe('请输入您的姓名（和身份证上一致）。');
  expect((await zh.send('王\u0000秀\r\n英\u0008'))[0]!.text).toContain('后4位');
  expect(await inboundTexts(zh)).toEqual(['1', expect.stringMatching(/^\d\*{15}\d[\dX]$/) as unknown as string, '王秀\n英']);

  const en = await ChatClient.start(app.app);
  await en.send('2');
  expect((await en.send('1\u0000\u0001'))[0]!.text).toMatch(/ID number/);
  // eslint-disable-next-line no-control-regex
  expect((await inboundTexts(en)).every((t) => !/[\u0000-\u0008\u000B-\u001F]/.test(t))).toBe(true);
});

it('strips control characters from staff free text (a rejection reason) before storing it', async () => {
  const username = `rev-${randomBytes(4).toString('hex')}`;
  await createStaff(app.db.prisma, { username, role: 'REVIEWER', regionCode: '530100', password: 'correct horse battery' });
  const login = await authenticate(app.db.prisma, username, 'correct horse battery', app.clock, app.config);
  if (!login.ok) throw new Error('login failed');
  const p = await createPerson(app.db.prisma);
  const createdAt = new Date('2026-11-27T02:00:00Z');
  const r = await app.db.prisma.changeRequest.create({
    data: {
      reference: `CR2611${randomBytes(3).toString('hex').toUpperCase()}`,
      kind: 'FIELD_CHANGE',
      personId: p.id,
      fields: ['residenceAddress'],
      currentValues: { residenceAddress: p.residenceAddress },
      proposedValues: { residenceAddress: '云南省昆明市五华区华山街道1号' },
      regionCode: '530102',
      channel: 'web',
      dueAt: reviewDueAt(createdAt),
      createdAt,
    },
  });
  const res = await request(app.app)
    .post(`/api/review/requests/${r.id}/reject`)
    .set({ Authorization: `Bearer ${login.token}` })
    .send({ version: 0, reason: '地址\u0000不\u0007详细\t请补充' });
  expect(res.status).toBe(200);
  const after = await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: r.id } });
  expect(after.decisionReason).toBe('地址不详细\t请补充');
});

it('imports CSV fields without control characters', async () => {
  const id = newIdNumber('530102', '19800101');
  const row: Record<string, string> = {
    id_number: `${id}\u0000`,
    name: '赵\u0000样例',
    sex: '',
    ethnicity: '01',
    birth_date: '',
    phone: '1380000\u00010001',
    hukou_region: '530102001',
    hukou_address: '昆明市五华区\u001f华山街道演示路1号',
    residence_region: '530102001',
    residence_address: '昆明市五华区华山街道演示小区1栋101室',
    household_id: '',
    employment_status: 'EMPLOYED',
    employer: '',
  };
  const csv = stringify([[...PERSON_COLUMNS], PERSON_COLUMNS.map((c) => row[c]!)]);
  const summary = await importRegistry(app.db.prisma, {
    persons: Readable.from([Buffer.from(csv, 'utf8')]),
    rejects: path.join(os.tmpdir(), `rejects-${randomBytes(4).toString('hex')}.csv`),
  });
  expect(summary.persons.inserted).toBe(1);
  const p = await app.db.prisma.person.findUniqueOrThrow({ where: { idNumber: id } });
  expect([p.name, p.phone, p.hukouAddress]).toEqual(['赵样例', '13800000001', '昆明市五华区华山街道演示路1号']);
});
