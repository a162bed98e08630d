import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import { findConversation } from '../../src/conversation/transcript';
import type { Prisma } from '../../src/generated/prisma/client';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { seedRegions } from '../../src/domain/registry/region.service';
import { authenticate, createStaff, type StaffRole } from '../../src/domain/staff/staff.service';
import { reviewDueAt } from '../../src/domain/calendar/working-days';
import { createTestApp, type TestApp } from './test-app';

/**
 * Review API tests (test/api/review-*.api.test.ts): an app with the staff routers on its own database, two
 * reviewers and an agent of 530100, and the persons, change requests and chat sessions a test needs.
 */

const PASSWORD = 'correct horse battery';

/** A fresh valid ID number per call (distinct sequence numbers), so tests never share a person. */
let seq = 0;
export function newIdNumber(county = '530102', birth = '19900307', sex: 'MALE' | 'FEMALE' = 'MALE'): string {
  seq += 1;
  const n = seq * 2 + (sex === 'MALE' ? 1 : 0);
  const first17 = `${county}${birth}${String(n % 1000).padStart(3, '0')}`;
  return first17 + computeCheckChar(first17);
}
let refSeq = 0;
export const newReference = () => `CR2611${String(++refSeq).padStart(4, '0')}${randomBytes(2).toString('hex').toUpperCase()}`;

export interface Staff {
  id: string;
  username: string;
  auth: { Authorization: string };
}

/** A staff record filled in by beforeAll: it exists from the start, so a test file can take it when it calls useReviewApp(). */
const unset = (): Staff => ({ id: '', username: '', auth: { Authorization: '' } });

/**
 * The app (holiday 2026-12-01, staff routers) and its staff. Call at the top of a test file: it registers the
 * suite's set-up and tear-down.
 */
export function useReviewApp() {
  let app: TestApp;
  const prisma = () => app.db.prisma;
  const http = () => request(app.app);

  async function staff(role: StaffRole, regionCode = '530100'): Promise<Staff> {
    const username = `${role.toLowerCase().slice(0, 5)}-${randomBytes(4).toString('hex')}`;
    const s = await createStaff(prisma(), { username, role, regionCode, password: PASSWORD });
    const r = await authenticate(prisma(), username, PASSWORD, app.clock, app.config);
    if (!r.ok) throw new Error('login failed');
    return { id: s.id, username, auth: { Authorization: `Bearer ${r.token}` } };
  }

  async function newPerson(opts: Partial<Prisma.PersonUncheckedCreateInput> & { county?: string } = {}) {
    const { county = '530102', ...rest } = opts;
    const idNumber = rest.idNumber ?? newIdNumber(county);
    const householdId = `H${randomBytes(5).toString('hex')}`;
    await prisma().household.create({ data: { id: householdId, regionCode: county } });
    return prisma().person.create({
      data: {
        idNumber,
        name: '李秀英',
        ethnicity: '01',
        sex: Number(idNumber[16]) % 2 === 1 ? 'MALE' : 'FEMALE',
        birthDate: new Date(`${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}T00:00:00Z`),
        phone: '13812345678',
        hukouRegion: county,
        hukouAddress: '云南省昆明市五华区华山街道12号3栋201',
        residenceRegion: county,
        residenceAddress: '云南省昆明市五华区华山街道12号3栋201',
        regionCode: county,
        householdId,
        registrationStatus: 'PENDING_REVIEW',
        ...rest,
      },
    });
  }

  async function fieldChange(
    person: Awaited<ReturnType<typeof newPerson>>,
    field: string,
    current: string | null,
    proposed: string | null,
    opts: Partial<Prisma.ChangeRequestUncheckedCreateInput> = {},
  ) {
    const createdAt = (opts.createdAt as Date | undefined) ?? new Date('2026-11-27T02:00:00Z');
    return prisma().changeRequest.create({
      data: {
        reference: newReference(),
        kind: 'FIELD_CHANGE',
        personId: person.id,
        fields: [field],
        currentValues: { [field]: current },
        proposedValues: { [field]: proposed },
        regionCode: person.regionCode,
        channel: 'web',
        dueAt: reviewDueAt(createdAt),
        createdAt,
        ...opts,
      },
    });
  }

  async function newPersonRequest(household: { id: string; regionCode: string }, proposed: Record<string, string>, opts: Partial<Prisma.ChangeRequestUncheckedCreateInput> = {}) {
    const createdAt = new Date('2026-11-27T03:00:00Z');
    return prisma().changeRequest.create({
      data: {
        reference: newReference(),
        kind: 'NEW_PERSON',
        householdId: household.id,
        fields: Object.keys(proposed),
        currentValues: {},
        proposedValues: proposed,
        subjectKey: proposed.idNumber ?? null,
        regionCode: household.regionCode,
        channel: 'web',
        dueAt: reviewDueAt(createdAt),
        createdAt,
        ...opts,
      },
    });
  }

  /** A web chat session bound to the person (as after verification), in a language. */
  async function chatSession(personId: string | null, locale: 'zh-CN' | 'en' = 'zh-CN') {
    const res = await http().post('/api/chat/sessions').expect(201);
    const sessionId = res.body.sessionId as string;
    const conv = await findConversation(prisma(), 'web', sessionId);
    if (!conv) throw new Error('no conversation');
    await prisma().conversation.update({ where: { id: conv.id }, data: { personId, locale } });
    return { sessionId, conversationId: conv.id };
  }

  const reviewer = unset();
  const reviewer2 = unset();
  const agent = unset();

  beforeAll(async () => {
    app = await createTestApp({ HOLIDAYS: '2026-12-01' }, { extraRouters: staffRouters() });
    await seedRegions(prisma());
    Object.assign(reviewer, await staff('REVIEWER'));
    Object.assign(reviewer2, await staff('REVIEWER'));
    Object.assign(agent, await staff('AGENT'));
  });
  afterAll(async () => {
    await app?.close();
  });

  return {
    app: () => app,
    prisma,
    http,
    reviewer,
    reviewer2,
    agent,
    staff,
    newPerson,
    fieldChange,
    newPersonRequest,
    chatSession,
    transcriptTexts: async (sessionId: string) =>
      ((await http().get(`/api/chat/sessions/${sessionId}/messages`).expect(200)).body.messages as { direction: string; text: string }[])
        .filter((m) => m.direction === 'out')
        .map((m) => m.text),
    auditOf: (targetId: string, action: string) => prisma().auditEvent.findMany({ where: { targetId, action }, orderBy: { id: 'asc' } }),
  };
}
