import { randomBytes, randomInt } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type { PrismaClient } from '../../src/generated/prisma/client';
import { computeCheckChar } from '../../src/domain/codes/id-number';

/** Shared by the chat tests: fictitious people with valid ID numbers, and a web chat client over supertest. */

const usedIds = new Set<string>();

/** A fresh valid citizen ID number (never the same twice in one process). */
export function newIdNumber(county = '530102', birth = '19900307'): string {
  for (;;) {
    const first17 = `${county}${birth}${String(randomInt(0, 1000)).padStart(3, '0')}`;
    const id = first17 + computeCheckChar(first17);
    if (!usedIds.has(id)) {
      usedIds.add(id);
      return id;
    }
  }
}

/** A fresh mainland mobile number. */
export const newPhone = () => `139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

export interface TestPerson {
  id: string;
  idNumber: string;
  name: string;
  phone: string | null;
  residenceAddress: string;
}

/** Creates a person with enrolments (pension paying, medical suspended) and, by default, a phone. */
export async function createPerson(
  prisma: PrismaClient,
  opts: { idNumber?: string; name?: string; phone?: string | null; county?: string } = {},
): Promise<TestPerson> {
  const county = opts.county ?? '530102';
  const idNumber = opts.idNumber ?? newIdNumber(county);
  const name = opts.name ?? '李秀英';
  const phone = opts.phone === undefined ? newPhone() : opts.phone;
  const residenceAddress = `云南省昆明市五华区华山街道${randomInt(1, 99)}号${randomInt(1, 9)}栋${randomInt(101, 999)}`;
  const p = await prisma.person.create({
    data: {
      idNumber,
      name,
      sex: Number(idNumber[16]) % 2 ? 'MALE' : 'FEMALE',
      ethnicity: '14',
      birthDate: new Date(`${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}T00:00:00Z`),
      phone,
      hukouRegion: county,
      hukouAddress: residenceAddress,
      residenceRegion: county,
      residenceAddress,
      regionCode: county,
      employmentStatus: 'FARMING',
      enrolments: {
        create: [
          { insuranceType: '170', status: 'PAYING', regionCode: county, lastPaidMonth: '2026-10' },
          { insuranceType: '390', status: 'SUSPENDED', regionCode: county, lastPaidMonth: '2025-12' },
        ],
      },
    },
  });
  return { id: p.id, idNumber, name, phone, residenceAddress };
}

export interface ChatReply {
  id: string;
  text: string;
  options?: { value: string; label: string }[];
}

export interface TranscriptEntry extends ChatReply {
  direction: 'in' | 'out';
  at: string;
}

/** A web chat session driven through the HTTP API (supertest), asserting a 2xx on every call. */
export class ChatClient {
  private constructor(
    private readonly app: Express,
    readonly sessionId: string,
    readonly greeting: ChatReply[],
  ) {}

  static async start(app: Express): Promise<ChatClient> {
    const res = await request(app).post('/api/chat/sessions').expect(201);
    const body = res.body as { sessionId: string; replies: ChatReply[] };
    return new ChatClient(app, body.sessionId, body.replies);
  }

  /** Sends one message; returns the replies. */
  async send(text: string, messageId?: string): Promise<ChatReply[]> {
    return (await this.post(text, messageId)).replies;
  }

  async post(text: string, messageId?: string): Promise<{ replies: ChatReply[]; duplicate: boolean }> {
    const res = await request(this.app)
      .post(`/api/chat/sessions/${this.sessionId}/messages`)
      .send({ text, ...(messageId ? { messageId } : {}) });
    if (res.status !== 200) throw new Error(`POST message "${text}" → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { replies: ChatReply[]; duplicate: boolean };
  }

  async transcript(after?: string): Promise<TranscriptEntry[]> {
    const res = await request(this.app)
      .get(`/api/chat/sessions/${this.sessionId}/messages`)
      .query(after ? { after } : {})
      .expect(200);
    return (res.body as { messages: TranscriptEntry[] }).messages;
  }

  /** Agrees to the notice and verifies with ID number, name and the last 4 digits of the phone. */
  async verify(p: { idNumber: string; name: string; phone: string | null }): Promise<ChatReply[]> {
    await this.send('1');
    await this.send(p.idNumber);
    await this.send(p.name);
    return this.send((p.phone ?? '0000').slice(-4));
  }
}

/** The number to type for an option of the last question (throws when it is not offered). */
export function numberOf(replies: ChatReply[], value: string): string {
  const options = [...replies].reverse().find((r) => r.options?.length)?.options ?? [];
  const i = options.findIndex((o) => o.value === value);
  if (i < 0) throw new Error(`option ${value} not offered; offered: ${options.map((o) => o.value).join(', ') || 'none'}`);
  return String(i + 1);
}

/** All text of replies (message text plus option labels). */
export const textOf = (replies: ChatReply[]) => replies.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');

export const randomMessageId = () => `m-${randomBytes(8).toString('hex')}`;
