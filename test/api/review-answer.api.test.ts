import { seedRegions } from '../../src/domain/registry/region.service';
import { ChatClient, createPerson, textOf } from '../helpers/chat-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * A reviewer's question (NEEDS_INFO) reaches the resident, who answers in chat after verifying: the answer goes
 * back to the request, which returns to the queue (PENDING, new due date), audited as the resident's answer.
 */
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  await seedRegions(app.db.prisma);
});
afterAll(() => app.close());

async function requestWithQuestion(personId: string, reference: string) {
  return app.db.prisma.changeRequest.create({
    data: {
      reference,
      kind: 'FIELD_CHANGE',
      personId,
      fields: ['name'],
      currentValues: { name: '李秀英' },
      proposedValues: { name: '李秀瑛' },
      evidence: '户口本上是瑛',
      regionCode: '530102',
      channel: 'web',
      status: 'NEEDS_INFO',
      question: '请问户口本上的名字是哪个“瑛”？',
      dueAt: new Date('2026-12-02T16:00:00Z'),
    },
  });
}

it.each(['zh-CN', 'en'] as const)('the resident answers the question in chat (%s) and the request returns to the queue', async (locale) => {
  const person = await createPerson(app.db.prisma);
  const cr = await requestWithQuestion(person.id, locale === 'en' ? 'CR261129ANSWEN' : 'CR261129ANSWZH');
  const chat = await ChatClient.start(app.app);
  if (locale === 'en') await chat.send('English');
  const asked = await chat.verify(person);
  expect(textOf(asked)).toContain(cr.reference);
  expect(textOf(asked)).toContain('请问户口本上的名字是哪个“瑛”？');

  // The answer is read back in full before it is sent; nothing is sent until the resident says so.
  const readBack = await chat.send('是王字旁的瑛');
  expect(textOf(readBack)).toContain(app.i18n.t('questions.confirmingAnswer.prompt', { lng: locale, answer: '是王字旁的瑛' }));
  expect((await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: cr.id } })).status).toBe('NEEDS_INFO');
  const done = await chat.send(locale === 'en' ? 'send' : '发送');
  expect(textOf(done)).toContain(cr.reference);
  const after = await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: cr.id } });
  expect(after.status).toBe('PENDING');
  expect(after.answer).toBe('是王字旁的瑛');
  expect(after.version).toBe(cr.version + 1);
  const audit = await app.db.prisma.auditEvent.findMany({ where: { targetId: cr.id, action: 'review.answer' } });
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ actorType: 'RESIDENT', actorId: person.id, source: 'web' });
});

it('"later" leaves the question open and shows the menu', async () => {
  const person = await createPerson(app.db.prisma);
  const cr = await requestWithQuestion(person.id, 'CR261129LATER1');
  const chat = await ChatClient.start(app.app);
  const asked = await chat.verify(person);
  const later = asked.at(-1)?.options?.findIndex((o) => o.value === 'later');
  expect(later).toBe(0);
  const menu = await chat.send('1');
  expect(menu.at(-1)?.options?.map((o) => o.value)).toContain('status');
  expect((await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: cr.id } })).status).toBe('NEEDS_INFO');
});
