import fs from 'node:fs';
import request from 'supertest';
import { z } from 'zod';
import { renderAsText, type OutboundMessage } from '../../src/conversation/messages';
import { parseIdNumber } from '../../src/domain/codes/id-number';
import type { TestApp } from './test-app';

/**
 * Golden transcripts: a conversation driven through the web chat API of a full test app (fixed clock), compared
 * with a JSON file that states every reply as the resident reads it (a reply's text, then its options numbered as
 * on a text-only channel) and the data the conversation leaves behind.
 *
 * A golden file holds the people to seed and the messages to send; the replies and the final data are written by
 * the test when run with UPDATE_GOLDEN=1 (read the diff before committing it), and compared on every other run.
 */

/** Reference numbers are random (CR-7K4M-2Q9X): a golden file shows them as CR-XXXX-XXXX. */
const stableReferences = (text: string) => text.replace(/\bCR-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b/gu, 'CR-XXXX-XXXX');

const Enrolment = z
  .object({
    insuranceType: z.string().regex(/^\d{3}$/),
    status: z.enum(['PAYING', 'SUSPENDED', 'TERMINATED']),
    regionCode: z.string().optional(),
    lastPaidMonth: z.string().optional(),
    benefitFrom: z.string().optional(),
  })
  .strict();

const Person = z
  .object({
    /** How the golden file names this person (in `final`). */
    ref: z.string().min(1),
    idNumber: z.string().refine((s) => parseIdNumber(s).ok, 'must be a valid ID number'),
    name: z.string().min(1),
    phone: z.string().nullable(),
    ethnicity: z.string().optional(),
    hukouRegion: z.string().optional(),
    hukouAddress: z.string().optional(),
    residenceRegion: z.string().optional(),
    residenceAddress: z.string().optional(),
    employmentStatus: z.enum(['EMPLOYED', 'FLEXIBLE', 'SELF_EMPLOYED', 'FARMING', 'UNEMPLOYED', 'STUDENT', 'RETIRED', 'OTHER']).optional(),
    registrationStatus: z.enum(['UNREGISTERED', 'PENDING_REVIEW', 'CONFIRMED', 'NEEDS_VISIT']).optional(),
    enrolments: z.array(Enrolment).default([]),
  })
  .strict();

const Turn = z
  .object({
    /** What the resident sends. */
    send: z.string().min(1),
    /** The channel's message id (default: "m" and the turn's number); repeat one to simulate a retry. */
    messageId: z.string().optional(),
    /** Why this turn is here (for the reader). */
    note: z.string().optional(),
    /** Minutes the resident stays silent before sending (the clock advances and due timers fire). */
    silentMinutes: z.number().int().positive().optional(),
    replies: z.array(z.string()).optional(),
    duplicate: z.boolean().optional(),
  })
  .strict();

const PersonFinal = z.object({
  registrationStatus: z.string(),
  needsVisitReason: z.string().nullable(),
  confirmedChannel: z.string().nullable(),
  remindersOptOut: z.boolean(),
});

const Final = z.object({
  persons: z.record(z.string(), PersonFinal),
  /** Audit actions on the seeded people and on the conversation, in order. */
  audit: z.array(z.string()),
  verificationAttempts: z.object({ failed: z.number(), succeeded: z.number() }),
  noticeAcknowledgements: z.array(z.object({ noticeVersion: z.string(), locale: z.string(), person: z.string().nullable() })),
  handoffRequests: z.array(z.object({ reason: z.string(), status: z.string() })),
  conversation: z.object({ locale: z.string(), optedOut: z.boolean(), handoff: z.string(), boundTo: z.string().nullable() }),
  transcript: z.object({ in: z.number(), out: z.number() }),
});

export const GoldenSchema = z
  .object({
    description: z.string(),
    persons: z.array(Person),
    /** The greeting when the session is created. */
    start: z.array(z.string()).optional(),
    turns: z.array(Turn).min(1),
    final: Final.optional(),
  })
  .strict();

export type Golden = z.infer<typeof GoldenSchema>;
export type GoldenFinal = z.infer<typeof Final>;

export function readGolden(file: string): Golden {
  return GoldenSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** What one run of a golden conversation produced. */
export interface TranscriptRun {
  sessionId: string;
  start: string[];
  turns: { send: string; replies: string[]; duplicate: boolean; raw: OutboundMessage[] }[];
  final: GoldenFinal;
}

/** The golden file as this run would write it. */
export function toGolden(golden: Golden, run: TranscriptRun): Golden {
  return {
    description: golden.description,
    persons: golden.persons,
    start: run.start,
    turns: golden.turns.map((t, i) => ({
      ...(t.note ? { note: t.note } : {}),
      ...(t.silentMinutes ? { silentMinutes: t.silentMinutes } : {}),
      send: t.send,
      ...(t.messageId ? { messageId: t.messageId } : {}),
      replies: run.turns[i]!.replies,
      ...(run.turns[i]!.duplicate ? { duplicate: true } : {}),
    })),
    final: run.final,
  };
}

export function writeGolden(file: string, golden: Golden): void {
  fs.writeFileSync(file, `${JSON.stringify(golden, null, 2)}\n`);
}

async function seed(app: TestApp, persons: Golden['persons']): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const p of persons) {
    const { ref, enrolments, ...data } = p;
    const region = data.residenceRegion ?? data.hukouRegion;
    const row = await app.db.prisma.person.create({
      data: {
        ...data,
        sex: Number(p.idNumber[16]) % 2 ? 'MALE' : 'FEMALE',
        birthDate: new Date(`${p.idNumber.slice(6, 10)}-${p.idNumber.slice(10, 12)}-${p.idNumber.slice(12, 14)}T00:00:00Z`),
        regionCode: region ?? null,
        enrolments: { create: enrolments },
      },
    });
    ids.set(row.id, ref);
  }
  return ids;
}

/** Drives one golden conversation through POST /api/chat/sessions and …/messages, and reads what it left. */
export async function runTranscript(app: TestApp, golden: Golden): Promise<TranscriptRun> {
  const refs = await seed(app, golden.persons);
  const http = request(app.app);
  const created = await http.post('/api/chat/sessions').expect(201);
  const sessionId = created.body.sessionId as string;
  const start = (created.body.replies as OutboundMessage[]).map(renderAsText);

  const turns: TranscriptRun['turns'] = [];
  // Silent minutes move the shared clock; it is set back afterwards so every file starts at the same time.
  const startedAt = app.clock.now();
  for (const [i, t] of golden.turns.entries()) {
    if (t.silentMinutes) {
      app.clock.advance(t.silentMinutes * 60_000);
      await app.scheduler.tick();
    }
    const res = await http
      .post(`/api/chat/sessions/${sessionId}/messages`)
      .send({ text: t.send, messageId: t.messageId ?? `m${i + 1}` })
      .expect(200);
    const raw = res.body.replies as OutboundMessage[];
    turns.push({ send: t.send, replies: raw.map((m) => stableReferences(renderAsText(m))), duplicate: Boolean(res.body.duplicate), raw });
  }

  app.clock.set(startedAt);
  const prisma = app.db.prisma;
  const conv = await prisma.conversation.findUniqueOrThrow({ where: { channel_endpoint: { channel: 'web', endpoint: sessionId } } });
  const personIds = [...refs.keys()];
  const refOf = (id: string | null) => (id ? (refs.get(id) ?? 'someone else') : null);
  const persons = await prisma.person.findMany({ where: { id: { in: personIds } } });
  const audit = await prisma.auditEvent.findMany({ where: { targetId: { in: [...personIds, conv.id] } }, orderBy: { id: 'asc' } });
  const attempts = await prisma.verificationAttempt.findMany({ where: { endpointKey: `web:${sessionId}` } });
  const acks = await prisma.noticeAcknowledgement.findMany({ where: { conversationId: conv.id }, orderBy: { acknowledgedAt: 'asc' } });
  const handoffs = await prisma.handoffRequest.findMany({ where: { conversationId: conv.id }, orderBy: { createdAt: 'asc' } });
  const messages = await prisma.message.groupBy({ by: ['direction'], where: { conversationId: conv.id }, _count: { _all: true } });
  const count = (d: 'IN' | 'OUT') => messages.find((m) => m.direction === d)?._count._all ?? 0;

  const final: GoldenFinal = {
    persons: Object.fromEntries(
      golden.persons.map((g) => {
        const p = persons.find((x) => refs.get(x.id) === g.ref)!;
        return [g.ref, { registrationStatus: p.registrationStatus, needsVisitReason: p.needsVisitReason, confirmedChannel: p.confirmedChannel, remindersOptOut: p.remindersOptOut }];
      }),
    ),
    audit: audit.map((a) => a.action),
    verificationAttempts: { failed: attempts.filter((a) => !a.success).length, succeeded: attempts.filter((a) => a.success).length },
    noticeAcknowledgements: acks.map((a) => ({ noticeVersion: a.noticeVersion, locale: a.locale, person: refOf(a.personId) })),
    handoffRequests: handoffs.map((h) => ({ reason: h.reason, status: h.status })),
    conversation: {
      locale: conv.locale,
      optedOut: conv.optedOutAt !== null,
      handoff: conv.handoff,
      boundTo: conv.boundUntil && conv.boundUntil > app.clock.now() ? refOf(conv.personId) : null,
    },
    transcript: { in: count('IN'), out: count('OUT') },
  };
  return { sessionId, start, turns, final };
}
