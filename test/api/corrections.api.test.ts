import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { seedRegions } from '../../src/domain/registry/region.service';
import type { Locale } from '../../src/lib/i18n';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Corrections through the web chat API, in both languages: for every field of the policy table, the direct path
 * (the person changed, an audit event with old and new value) or the reviewed path (a FIELD_CHANGE request with
 * frozen values, the person PENDING_REVIEW, the reference in the reply); and every refusal with its message.
 */

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  await seedRegions(app.db.prisma);
});
afterAll(async () => {
  await app.close();
});

interface Reply {
  id: string;
  text: string;
  options?: { value: string; label: string }[];
}

/** A fresh valid ID number: `sex` sets the parity of the 17th digit. */
let seq = 0;
function newIdNumber(sex: 'MALE' | 'FEMALE' = 'MALE', birth = '19900307', county = '530102'): string {
  seq += 1;
  const n = seq * 2 + (sex === 'MALE' ? 1 : 0);
  const first17 = `${county}${birth}${String(n % 1000).padStart(3, '0')}`;
  if (n >= 1000) throw new Error('too many test persons');
  return first17 + computeCheckChar(first17);
}
const newPhone = () => `139${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0')}`;

async function newPerson(data: Record<string, unknown> = {}) {
  const idNumber = (data.idNumber as string | undefined) ?? newIdNumber();
  return app.db.prisma.person.create({
    data: {
      idNumber,
      name: '李秀英',
      sex: Number(idNumber[16]) % 2 ? 'MALE' : 'FEMALE',
      ethnicity: '14',
      birthDate: new Date(`${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}T00:00:00Z`),
      phone: newPhone(),
      hukouRegion: '530102',
      hukouAddress: '五华区华山街道西仓坡5号',
      residenceRegion: '530102',
      residenceAddress: '五华区华山街道西仓坡5号2栋301',
      regionCode: '530102',
      registrationStatus: 'CONFIRMED',
      ...data,
    },
  });
}

/** A web chat session through the HTTP API. */
class Chat {
  last: Reply[] = [];
  private constructor(readonly sessionId: string) {}

  static async start(): Promise<Chat> {
    const res = await request(app.app).post('/api/chat/sessions').expect(201);
    const c = new Chat((res.body as { sessionId: string }).sessionId);
    c.last = (res.body as { replies: Reply[] }).replies;
    return c;
  }

  async send(text: string): Promise<string> {
    const res = await request(app.app).post(`/api/chat/sessions/${this.sessionId}/messages`).send({ text });
    if (res.status !== 200) throw new Error(`"${text}" → ${res.status} ${JSON.stringify(res.body)}`);
    this.last = (res.body as { replies: Reply[] }).replies;
    return this.text;
  }

  /** Answers with the number of the option that has this value (as a resident on a text-only channel would). */
  async choose(value: string): Promise<string> {
    // The open question's options (a reference number may be sent after it, last in the turn).
    const options = [...this.last].reverse().find((r) => r.options?.length)?.options ?? [];
    const i = options.findIndex((o) => o.value === value);
    if (i < 0) throw new Error(`no option ${value} in ${JSON.stringify(options)}`);
    return this.send(String(i + 1));
  }

  get text(): string {
    return this.last.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');
  }

  async conversationId(): Promise<string> {
    const c = await app.db.prisma.conversation.findUniqueOrThrow({ where: { channel_endpoint: { channel: 'web', endpoint: this.sessionId } } });
    return c.id;
  }
}

/** Starts a chat in the language, verifies the person and opens the correction of one field. */
async function correcting(p: { idNumber: string; name: string; phone: string | null }, locale: Locale, field: string) {
  const chat = await Chat.start();
  if (locale === 'en') await chat.send('English');
  await chat.send('1');
  await chat.send(p.idNumber);
  await chat.send(p.name);
  await chat.send(p.phone!.slice(-4));
  expect(chat.last.at(-1)?.options?.map((o) => o.value)).toContain('correct');
  await chat.choose('correct');
  await chat.choose(field);
  return chat;
}

const t = (locale: Locale, key: string, params: Record<string, unknown> = {}) => app.i18n.t(key, { lng: locale, ...params });
const REFERENCE = /CR-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}/;

async function auditsOf(personId: string, action = 'person.update') {
  return app.db.prisma.auditEvent.findMany({ where: { targetType: 'person', targetId: personId, action }, orderBy: { id: 'asc' } });
}

describe.each<Locale>(['zh-CN', 'en'])('corrections in %s', (locale) => {
  describe('DIRECT fields: applied at once and audited with old and new value', () => {
    it('phone (MISSING_PHONE recomputed; the new number typed twice, never shown in full)', async () => {
      const p = await newPerson({ flags: ['MISSING_PHONE', 'DUPLICATE_MEDICAL'] });
      const chat = await correcting(p, locale, 'phone');
      expect(chat.text).toContain(t(locale, 'correct.awaitingValue.prompt_phone'));
      const newPhone_ = newPhone();
      const again = await chat.send(`+86 ${newPhone_.slice(0, 3)} ${newPhone_.slice(3, 7)} ${newPhone_.slice(7)}`);
      expect(again).toBe(`${t(locale, 'correct.repeatingValue.prompt')}\n${t(locale, 'common.hint.menu')}`);
      // Typed a second time (a typo is caught so, DOMAIN.md: no reply shows a phone in full); both numbers masked.
      const shown = await chat.send(newPhone_);
      expect(shown).toContain(`${p.phone!.slice(0, 3)}****${p.phone!.slice(-4)}`);
      expect(shown).toContain(`${newPhone_.slice(0, 3)}****${newPhone_.slice(-4)}`);
      expect(shown).not.toContain(newPhone_);
      expect(shown).not.toContain(p.phone!);
      const rows = await app.db.prisma.message.findMany({ where: { conversationId: await chat.conversationId() } });
      expect(rows.filter((r) => r.text.includes(newPhone_))).toEqual([]);
      const done = await chat.choose('submit');
      expect(done).toContain(t(locale, 'correct.submittingChange.applied', { field: t(locale, 'correct.fields.phone') }));

      const after = await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } });
      expect(after.phone).toBe(newPhone_);
      expect(after.flags).toEqual(['DUPLICATE_MEDICAL']);
      expect(after.version).toBe(p.version + 1);
      expect(after.registrationStatus).toBe('CONFIRMED');
      const audits = await auditsOf(p.id);
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({ actorType: 'RESIDENT', actorId: p.id, source: 'web', outcome: 'OK' });
      expect(audits[0]!.details).toMatchObject({ field: 'phone', old: p.phone, new: newPhone_, conversationId: await chat.conversationId() });
      expect(await app.db.prisma.changeRequest.count({ where: { personId: p.id } })).toBe(0);
    });

    it('residence region by code (managing region follows; UNKNOWN_REGION cleared)', async () => {
      const p = await newPerson({ residenceRegion: '999999', regionCode: '999999', flags: ['UNKNOWN_REGION'] });
      const chat = await correcting(p, locale, 'residenceRegion');
      const shown = await chat.send('530102001');
      expect(shown).toContain('昆明市五华区华山街道');
      await chat.choose('submit');
      const after = await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } });
      expect(after).toMatchObject({ residenceRegion: '530102001', regionCode: '530102001', flags: [] });
      const [audit] = await auditsOf(p.id);
      expect(audit!.details).toMatchObject({ field: 'residenceRegion', old: '999999', new: '530102001', regionCode: { old: '999999', new: '530102001' } });
    });

    it('a new residence region offers the street address at once (the old one is of the old place); 不用改 keeps it', async () => {
      const p = await newPerson();
      const chat = await correcting(p, locale, 'residenceRegion');
      await chat.send('530103');
      const offer = await chat.choose('submit');
      expect(offer).toContain(t(locale, 'correct.offeringNext.prompt_residenceAddress'));
      const ask = await chat.choose('change');
      expect(ask).toContain(t(locale, 'correct.awaitingValue.prompt_residenceAddress'));
      await chat.send('盘龙区拓东街道白塔路88号');
      await chat.choose('submit');
      const after = await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } });
      expect(after).toMatchObject({ residenceRegion: '530103', residenceAddress: '盘龙区拓东街道白塔路88号' });
      expect((await auditsOf(p.id)).map((a) => (a.details as { field: string }).field)).toEqual(['residenceRegion', 'residenceAddress']);

      const q = await newPerson();
      const other = await correcting(q, locale, 'residenceRegion');
      await other.send('530103');
      await other.choose('submit');
      expect(await other.choose('keep')).toContain(t(locale, 'menu.awaitingChoice.prompt'));
      expect((await app.db.prisma.person.findUniqueOrThrow({ where: { id: q.id } })).residenceAddress).toBe(q.residenceAddress);
    });

    it('residence region by name: several matches are listed, the number picks one', async () => {
      const p = await newPerson();
      const chat = await correcting(p, locale, 'residenceRegion');
      const list = await chat.send('东山镇');
      expect(list).toContain(t(locale, 'correct.choosingRegion.prompt'));
      expect(list).toContain('1. 曲靖市麒麟区东山镇');
      expect(list).toMatch(/3\. .*东山镇/);
      const shown = await chat.send('1');
      expect(shown).toContain('曲靖市麒麟区东山镇');
      await chat.choose('submit');
      const after = await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } });
      expect(after.residenceRegion).toBe('530302103');
      expect((await auditsOf(p.id))[0]!.details).toMatchObject({ field: 'residenceRegion', old: '530102', new: '530302103' });
    });

    it('residence address (MISSING_RESIDENCE cleared; the old address masked)', async () => {
      const p = await newPerson({ residenceAddress: '五华区华山街道西仓坡5号2栋301', flags: ['MISSING_RESIDENCE'] });
      const chat = await correcting(p, locale, 'residenceAddress');
      const shown = await chat.send('盘龙区拓东街道白塔路88号');
      expect(shown).toContain('盘龙区拓东街道白塔路88号');
      expect(shown).not.toContain('西仓坡5号2栋301');
      await chat.choose('submit');
      const after = await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } });
      expect(after.residenceAddress).toBe('盘龙区拓东街道白塔路88号');
      expect(after.flags).toEqual([]);
      expect((await auditsOf(p.id))[0]!.details).toMatchObject({ field: 'residenceAddress', old: '五华区华山街道西仓坡5号2栋301', new: '盘龙区拓东街道白塔路88号' });
    });

    it('ethnicity by name', async () => {
      const p = await newPerson({ ethnicity: '01' });
      const chat = await correcting(p, locale, 'ethnicity');
      const shown = await chat.send(locale === 'en' ? 'Yi' : '彝族');
      expect(shown).toContain(t(locale, 'reference.ethnicity.07'));
      expect(shown).toContain(t(locale, 'reference.ethnicity.01'));
      await chat.choose('submit');
      expect((await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } })).ethnicity).toBe('07');
      expect((await auditsOf(p.id))[0]!.details).toMatchObject({ field: 'ethnicity', old: '01', new: '07' });
    });
  });

  describe('REVIEWED fields: a change request with frozen values, PENDING_REVIEW, the reference told', () => {
    const cases: [string, () => Promise<{ p: Awaited<ReturnType<typeof newPerson>>; input: string; old: string | null; proposed: string }>][] = [
      ['name', async () => ({ p: await newPerson({ name: '李秀英' }), input: '李秀云', old: '李秀英', proposed: '李秀云' })],
      [
        'sex',
        async () => {
          const p = await newPerson({ idNumber: newIdNumber('FEMALE'), sex: 'MALE' });
          return { p, input: locale === 'en' ? 'female' : '女', old: 'MALE', proposed: 'FEMALE' };
        },
      ],
      [
        'birthDate',
        async () => {
          const p = await newPerson({ birthDate: new Date('1990-03-08T00:00:00Z') });
          return { p, input: '1990年3月7日', old: '1990-03-08', proposed: '1990-03-07' };
        },
      ],
      [
        'idNumber',
        async () => {
          const p = await newPerson();
          const next = newIdNumber('MALE', '19900307');
          return { p, input: next.toLowerCase(), old: p.idNumber, proposed: next };
        },
      ],
      ['hukouRegion', async () => ({ p: await newPerson({ hukouRegion: '530102' }), input: '盘龙区', old: '530102', proposed: '530103' })],
      ['hukouAddress', async () => ({ p: await newPerson(), input: '盘龙区拓东街道白塔路88号', old: '五华区华山街道西仓坡5号', proposed: '盘龙区拓东街道白塔路88号' })],
    ];

    it.each(cases)('%s', async (field, make) => {
      const { p, input, old, proposed } = await make();
      const chat = await correcting(p, locale, field);
      let shown = await chat.send(input);
      if (field === 'idNumber') {
        expect(shown).toContain(t(locale, 'correct.repeatingValue.prompt'));
        shown = await chat.send(input.toUpperCase());
      }
      expect(shown).toContain(t(locale, 'correct.confirmingChange.promptReviewed'));
      const ask = await chat.choose('submit');
      expect(ask).toContain(t(locale, 'correct.awaitingEvidence.prompt'));
      const done = await chat.send('户口本上是这样写的');
      const reference = REFERENCE.exec(done)?.[0];
      expect(reference).toBeDefined();
      // The reference comes last, after the menu shown again, with the (China) date.
      expect(chat.last.at(-1)!.text).toBe(t(locale, 'common.receipt', { reference, date: '2026-11-29' }));
      expect(chat.last.at(-2)!.options?.map((o) => o.value)).toContain('correct');

      const rows = await app.db.prisma.changeRequest.findMany({ where: { personId: p.id } });
      expect(rows).toHaveLength(1);
      const cr = rows[0]!;
      expect(cr).toMatchObject({
        reference,
        kind: 'FIELD_CHANGE',
        status: 'PENDING',
        fields: [field],
        currentValues: { [field]: old },
        proposedValues: { [field]: proposed },
        evidence: '户口本上是这样写的',
        regionCode: p.regionCode,
        channel: 'web',
        conversationId: await chat.conversationId(),
      });
      // Submitted Sunday 2026-11-29 10:00 in China: due by the end of Wednesday 2 December.
      expect(cr.dueAt.toISOString()).toBe('2026-12-02T16:00:00.000Z');
      expect(done).toContain('2026-12-02');

      const after = await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } });
      expect(after.registrationStatus).toBe('PENDING_REVIEW');
      const column = field === 'birthDate' ? after.birthDate?.toISOString().slice(0, 10) : (after as unknown as Record<string, unknown>)[field];
      expect(column).toBe(old);
      expect(await auditsOf(p.id)).toHaveLength(0);
      const submitted = await app.db.prisma.auditEvent.findMany({ where: { targetType: 'change_request', targetId: cr.id, action: 'change_request.submit' } });
      expect(submitted).toHaveLength(1);
      expect(JSON.stringify(submitted[0]!.details)).not.toMatch(/\d{17}[\dX]/);
      // The new ID number is typed twice and shown masked, never in full.
      if (field === 'idNumber') {
        expect(shown).toContain(`${proposed[0]}${'*'.repeat(15)}${proposed.slice(-2)}`);
        expect(shown).not.toContain(proposed);
        expect(done).not.toContain(proposed);
        const rows = await app.db.prisma.message.findMany({ where: { conversationId: await chat.conversationId() } });
        expect(rows.filter((r) => r.text.includes(proposed))).toEqual([]);
      }

      // The same field again while the request is open: named by its reference, nothing new.
      await chat.choose('correct');
      await chat.choose(field);
      const again = await chat.send(input);
      expect(again).toContain(t(locale, 'correct.checkingValue.alreadyPending', { reference }));
      expect(await app.db.prisma.changeRequest.count({ where: { personId: p.id } })).toBe(1);
    });
  });

  it('giving up at a typed question (算了, cancel), the second typing too, goes back to the menu and changes nothing', async () => {
    const p = await newPerson();
    const chat = await correcting(p, locale, 'phone');
    const words = locale === 'en' ? ['never mind', 'Cancel.'] : ['算了', '取消。'];
    const back = await chat.send(words[0]!);
    expect(back).toContain(t(locale, 'menu.awaitingChoice.prompt'));
    await chat.choose('correct');
    await chat.choose('phone');
    await chat.send(newPhone());
    expect(await chat.send(words[1]!)).toContain(t(locale, 'menu.awaitingChoice.prompt'));
    const after = await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } });
    expect(after.phone).toBe(p.phone);
    expect(after.version).toBe(p.version);
    expect(await auditsOf(p.id)).toHaveLength(0);
  });

  describe('refusals, each with its own message (one verified chat, back to the menu before each)', () => {
    let p: Awaited<ReturnType<typeof newPerson>>;
    let chat: Chat;
    beforeAll(async () => {
      p = await newPerson();
      chat = await correcting(p, locale, 'phone');
    });
    async function field(name: string) {
      await chat.send('menu');
      await chat.choose('correct');
      await chat.choose(name);
    }
    afterEach(async () => {
      expect(await app.db.prisma.person.findUniqueOrThrow({ where: { id: p.id } })).toEqual(p);
      expect(await app.db.prisma.changeRequest.count({ where: { personId: p.id } })).toBe(0);
      expect(await auditsOf(p.id)).toHaveLength(0);
    });

    it.each<[string, string, string, string]>([
      ['a bad phone number', 'phone', '0871-1234567', 'error_BAD_PHONE'],
      ['an unknown region code', 'residenceRegion', '999999', 'error_UNKNOWN_REGION'],
      ['an unknown region name', 'hukouRegion', '火星乡', 'error_UNKNOWN_REGION'],
      ['a prefecture (too broad)', 'residenceRegion', '530100', 'error_REGION_TOO_BROAD'],
      ['an unknown ethnicity', 'ethnicity', '火星族', 'error_BAD_ETHNICITY'],
      ['a sex the ID number contradicts', 'sex', 'FEMALE', 'error_SEX_CONTRADICTS_ID'],
      ['a birth date the ID number contradicts', 'birthDate', '1990-03-08', 'error_BIRTH_DATE_CONTRADICTS_ID'],
      ['an impossible birth date', 'birthDate', '1990-02-30', 'error_BAD_BIRTH_DATE'],
      ['a new ID number with a typo', 'idNumber', '530102199003071230', 'error_ID_BAD_CHECK'],
      ['a new ID number with a wrong length', 'idNumber', '5301021990030712', 'error_ID_BAD_LENGTH'],
      ['an implausible name', 'name', '张3', 'error_BAD_NAME'],
      ['a too short address', 'residenceAddress', '5号', 'error_BAD_ADDRESS'],
      ['the value on record already', 'ethnicity', '14', 'error_UNCHANGED'],
    ])('%s', async (_label, name, input, key) => {
      await field(name);
      const reply = name === 'sex' ? await chat.choose(input) : await chat.send(input);
      expect(reply).toContain(t(locale, `correct.awaitingValue.${key}`));
      // A value the ID number decides, or one already on record: back to the list of fields, not the same question.
      const backToFields = ['error_UNCHANGED', 'error_SEX_CONTRADICTS_ID', 'error_BIRTH_DATE_CONTRADICTS_ID'].includes(key);
      expect(reply.includes(t(locale, 'correct.awaitingField.prompt'))).toBe(backToFields);
    });

    it('three refusals in a row: an example and a human are offered', async () => {
      await field('phone');
      await chat.send('12345');
      await chat.send('abc');
      const third = await chat.send('000');
      expect(third).toContain(t(locale, 'correct.awaitingValue.example_phone'));
      expect(third).toContain(t(locale, 'common.offerHuman'));
    });
  });
});

it('no reply of the correction dialogue carries a full ID number or phone', async () => {
  const p = await newPerson();
  const chat = await correcting(p, 'zh-CN', 'idNumber');
  const next = newIdNumber();
  await chat.send(next);
  await chat.send(next);
  await chat.choose('submit');
  await chat.send('身份证换过号');
  const conv = await chat.conversationId();
  const out = await app.db.prisma.message.findMany({ where: { conversationId: conv } });
  for (const m of out) {
    expect(m.text).not.toContain(next);
    expect(m.text).not.toContain(p.idNumber);
    expect(m.text).not.toContain(p.phone!);
  }
});
