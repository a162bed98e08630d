import request from 'supertest';
import type { Locale } from '../../src/lib/i18n';
import { ChatClient, createPerson, numberOf, type ChatReply, type TestPerson } from '../helpers/chat-fixtures';
import { useStaffApp } from '../helpers/staff-app';
import { signedInStaff } from '../helpers/staff-fixtures';

/**
 * The receipt's promise kept (查进度): a verified resident sends a reference or asks in words and is told how their
 * own requests stand, newest first (three at most), through the web chat API in both languages. Another person's
 * reference and a missing one get the same answer; before verification the resident is asked to verify first.
 * Clock: Sunday 2026-11-29 10:00 China time.
 */
const app = useStaffApp();
const t = (lng: Locale, key: string, params: Record<string, unknown> = {}) => app().i18n.t(key, { lng, ...params });
const REFERENCE = /CR-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}/;

/** A name correction made in chat, due on 2 December (China time), unless a test says otherwise. */
const NAME_CHANGE = { kind: 'FIELD_CHANGE', fields: ['name'], currentValues: {}, proposedValues: { name: '李秀云' }, regionCode: '530102', channel: 'web', dueAt: new Date('2026-12-02T16:00:00Z') } as const;

let seq = 0;
/** A request of the person as the review queue holds it, each newer than the last; references in the issued form. */
async function requestOf(personId: string, data: Record<string, unknown> = {}) {
  seq += 1;
  const reference = `CR-T${String(seq).padStart(3, '2')}-${'ABCDEFGH'[seq % 8]!}XYZ`;
  return app().db.prisma.changeRequest.create({ data: { ...NAME_CHANGE, fields: [...NAME_CHANGE.fields], reference, personId, createdAt: new Date(Date.UTC(2026, 10, 1, 0, seq)), ...data } });
}

async function verifiedChat(person: TestPerson, locale: Locale) {
  const chat = await ChatClient.start(app().app);
  if (locale === 'en') await chat.send('English');
  await chat.verify(person);
  return chat;
}

const menuFollows = (replies: ChatReply[]) => expect(replies.at(-1)?.options?.map((o) => o.value)).toContain('status');

describe.each(['zh-CN', 'en'] as const)('progress in %s', (locale) => {
  it('查进度 in words: the three newest of the resident\'s own requests, each with what it is about and its status; then the menu', async () => {
    const person = await createPerson(app().db.prisma);
    const other = await createPerson(app().db.prisma);
    await requestOf(person.id, { fields: ['phone'] }); // the oldest: not shown
    const rejected = await requestOf(person.id, { fields: ['birthDate'], status: 'REJECTED', decidedAt: new Date('2026-11-20T02:00:00Z'), decisionReason: '出生日期与户口本不一致' });
    const member = await requestOf(person.id, { kind: 'NEW_PERSON', personId: null, fields: ['idNumber', 'name'], currentValues: { reportedBy: person.id }, status: 'APPROVED', decidedAt: new Date('2026-11-25T02:00:00Z') });
    const pending = await requestOf(person.id);
    await requestOf(other.id); // someone else's, newer still
    await requestOf(person.id, { kind: 'NEW_PERSON', personId: null, channel: 'feed', currentValues: { reportedBy: person.id, lead: 'NEWBORN_WITHOUT_ID' } }); // a feed's lead: not the resident's

    const chat = await verifiedChat(person, locale);
    const replies = await chat.send(locale === 'en' ? 'How is my request?' : '我的申请怎么样了？');
    const field = (f: string) => t(locale, `review.field.${f}`);
    expect(replies[0]!.text).toBe(
      [
        t(locale, 'requests.showingRequests.header'),
        t(locale, 'requests.showingRequests.item_FIELD_CHANGE', { reference: pending.reference, field: field('name') }),
        t(locale, 'requests.showingRequests.status_PENDING', { date: '2026-12-02' }),
        t(locale, 'requests.showingRequests.item_NEW_PERSON', { reference: member.reference }),
        t(locale, 'requests.showingRequests.status_APPROVED', { date: '2026-11-25' }),
        t(locale, 'requests.showingRequests.item_FIELD_CHANGE', { reference: rejected.reference, field: field('birthDate') }),
        t(locale, 'requests.showingRequests.status_REJECTED', { date: '2026-11-20', reason: '出生日期与户口本不一致' }),
        // The oldest is not shown, but counted (a feed's lead is not the resident's).
        t(locale, 'requests.showingRequests.older', { count: 1 }),
      ].join('\n'),
    );
    if (locale === 'zh-CN') expect(replies[0]!.text.split('\n')[2]).toBe('进度：等待工作人员审核，2026-12-02前答复。');
    menuFollows(replies);
  });

  it('a reference sent: that request only; another person\'s reference and a missing one get the same answer', async () => {
    const person = await createPerson(app().db.prisma);
    const other = await createPerson(app().db.prisma);
    const mine = await requestOf(person.id, { status: 'REJECTED', decidedAt: new Date('2026-11-27T02:00:00Z') });
    await requestOf(person.id);
    const theirs = await requestOf(other.id);
    const chat = await verifiedChat(person, locale);

    const own = await chat.send(mine.reference.toLowerCase());
    expect(own[0]!.text).toBe(
      [
        t(locale, 'requests.showingRequests.header'),
        t(locale, 'requests.showingRequests.item_FIELD_CHANGE', { reference: mine.reference, field: t(locale, 'review.field.name') }),
        t(locale, 'requests.showingRequests.status_REJECTED_noReason', { date: '2026-11-27' }),
      ].join('\n'),
    );
    menuFollows(own);

    const notMine = await chat.send(theirs.reference);
    const missing = await chat.send('CR-ZZZZ-ZZZZ');
    expect(notMine[0]!.text).toBe(t(locale, 'requests.showingRequests.notFound', { reference: theirs.reference }));
    expect(missing[0]!.text).toBe(t(locale, 'requests.showingRequests.notFound', { reference: 'CR-ZZZZ-ZZZZ' }));
    expect(notMine[0]!.text.replace(theirs.reference, '#')).toBe(missing[0]!.text.replace('CR-ZZZZ-ZZZZ', '#'));
    expect(JSON.stringify(notMine)).not.toContain(t(locale, 'requests.showingRequests.header'));
    menuFollows(missing);
  });

  it('the receipt says how to check; the reference then shows the request waiting, and after the reviewer\'s refusal, why', async () => {
    const person = await createPerson(app().db.prisma, { name: '李秀英' });
    const chat = await verifiedChat(person, locale);
    await chat.send('3'); // correct my details
    const fields = await chat.send('1'); // name
    expect(fields.at(-1)?.text).toContain(t(locale, 'correct.awaitingValue.prompt_name'));
    const shown = await chat.send('李秀云');
    await chat.send(numberOf(shown, 'submit'));
    const done = await chat.send('户口本上是这样写的');
    const reference = REFERENCE.exec(done.at(-1)!.text)?.[0];
    expect(done.at(-1)!.text).toBe(t(locale, 'common.receipt', { reference, date: '2026-11-29' }));
    expect(done.at(-1)!.text).toContain(locale === 'en' ? 'Reply "progress" or this number' : '回复“查进度”或这个编号，可以查看办理进度');

    const cr = await app().db.prisma.changeRequest.findUniqueOrThrow({ where: { reference: reference! } });
    const waiting = await chat.send(reference!);
    expect(waiting[0]!.text.split('\n').slice(1)).toEqual([
      t(locale, 'requests.showingRequests.item_FIELD_CHANGE', { reference, field: t(locale, 'review.field.name') }),
      t(locale, 'requests.showingRequests.status_PENDING', { date: '2026-12-02' }),
    ]);

    const reviewer = await signedInStaff(app(), 'REVIEWER', '530100');
    await request(app().app).post(`/api/review/requests/${cr.id}/reject`).set(reviewer.auth).send({ version: cr.version, reason: '请带户口本到乡镇社保所办理' }).expect(200);
    expect((await app().db.prisma.changeRequest.findUniqueOrThrow({ where: { id: cr.id } })).status).toBe('REJECTED');
    const decided = await chat.send(locale === 'en' ? 'progress' : '查进度');
    expect(decided[0]!.text.split('\n').slice(1)).toEqual([
      t(locale, 'requests.showingRequests.item_FIELD_CHANGE', { reference, field: t(locale, 'review.field.name') }),
      t(locale, 'requests.showingRequests.status_REJECTED', { date: '2026-11-29', reason: '请带户口本到乡镇社保所办理' }),
    ]);
  });

  it('not verified: asked to verify first, at the notice and at the ID number; nothing is shown', async () => {
    const person = await createPerson(app().db.prisma);
    const cr = await requestOf(person.id);
    const chat = await ChatClient.start(app().app);
    if (locale === 'en') await chat.send('English');
    const atNotice = await chat.send(cr.reference);
    expect(atNotice[0]!.text).toBe(t(locale, 'requests.verifyFirst'));
    expect(atNotice.at(-1)!.text).toContain(t(locale, 'welcome.awaitingNoticeAck.notice'));
    await chat.send('1');
    const atId = await chat.send(locale === 'en' ? 'check progress' : '查进度');
    expect(atId.map((r) => r.text)).toEqual([t(locale, 'requests.verifyFirst'), t(locale, 'verify.awaitingIdNumber.prompt')]);
    expect(JSON.stringify([...atNotice, ...atId])).not.toContain(cr.reference.slice(3));
  });
});

it('the first message after a long silence, still bound to the person: the progress at once, then the menu', async () => {
  const person = await createPerson(app().db.prisma);
  const cr = await requestOf(person.id);
  const chat = await verifiedChat(person, 'zh-CN');
  app().clock.advance(3 * 3_600_000);
  try {
    const replies = await chat.send(cr.reference);
    expect(replies[0]!.text.split('\n')[1]).toBe(t('zh-CN', 'requests.showingRequests.item_FIELD_CHANGE', { reference: cr.reference, field: t('zh-CN', 'review.field.name') }));
    expect(replies).toHaveLength(2);
    menuFollows(replies);
  } finally {
    app().clock.advance(-3 * 3_600_000);
  }
});
