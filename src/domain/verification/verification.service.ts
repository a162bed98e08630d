import { createHmac, createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DbClient } from '../../db/db-client';
import type { CheckIdentityResult, VerifyFactorResult, VerifyMethod } from '../ports';
import { recordAudit } from '../staff/audit.service';

export interface VerificationPolicy {
  method: VerifyMethod;
  secret: string;
  maxFailures: number;
  lockHours: number;
  /** Failures are padded to at least this long, so every kind of mismatch takes the same time. */
  failureFloorMs: number;
  otpTtlMinutes: number;
}

export interface SmsSender {
  sendCode(phone: string, code: string): Promise<void>;
}

export const hashIdNumber = (secret: string, idNumber: string) => createHmac('sha256', secret).update(idNumber).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const normName = (s: string) => s.normalize('NFKC').replace(/[\s·•.]/g, '').toLowerCase();

/** Names compare without spaces, width or case differences (张 三 = 张三, ＬＩ = li). */
export function namesMatch(onRecord: string, given: string): boolean {
  const a = Buffer.from(sha256(normName(onRecord)));
  const b = Buffer.from(sha256(normName(given)));
  return timingSafeEqual(a, b);
}

function equalSecret(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(sha256(a)), Buffer.from(sha256(b)));
}

async function failuresSince(db: DbClient, idHash: string, endpointKey: string, since: Date) {
  const [byId, byEndpoint] = await Promise.all([
    db.verificationAttempt.count({ where: { idNumberHash: idHash, success: false, createdAt: { gte: since } } }),
    db.verificationAttempt.count({ where: { endpointKey, success: false, createdAt: { gte: since } } }),
  ]);
  return Math.max(byId, byEndpoint);
}

/**
 * One attempt is an identity check answered with the factor question plus the first factor answer after it; each
 * further factor answer is an attempt of its own. Every attempt is exactly one failure row (or one success row),
 * whatever the ID number, name or factor, so the tries left and the lock come at the same attempt for an unknown
 * ID number, a wrong name (of a person with or without a phone) and a wrong factor.
 *
 * The identity check records its attempt as a failure at once: a person without a phone is answered differently
 * for the right name, so every name tried must count even when no factor follows, and then every other check
 * must count alike. That row is the attempt's "open" row, found again by an id keyed on the ID number, chat
 * identity and name; the first factor answer settles it (outcome, time, and a random id, so that it is closed)
 * instead of recording a second row. The same ID number and name checked again in the same chat before an answer
 * (a resident starting over) is the same attempt and renews the open row: a guesser learns nothing new from it.
 */
function openAttemptId(policy: VerificationPolicy, idHash: string, endpointKey: string, name: string): string {
  const h = createHmac('sha256', policy.secret).update(`verify-open-attempt\u0000${idHash}\u0000${endpointKey}\u0000${normName(name)}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

async function findOpenAttempt(db: DbClient, id: string) {
  return db.verificationAttempt.findUnique({ where: { id }, select: { createdAt: true } });
}

/** Failures before this attempt: those in the window, less the attempt's own open row (it is this try). */
async function earlierFailures(db: DbClient, idHash: string, endpointKey: string, since: Date, open: { createdAt: Date } | null) {
  const failures = await failuresSince(db, idHash, endpointKey, since);
  return open && open.createdAt >= since ? failures - 1 : failures;
}

/**
 * When the lock of an ID number or chat identity ends: the lock holds while `maxFailures` failures are within
 * `lockHours`, so it ends `lockHours` after the maxFailures-th newest failure (the later of the two keys).
 */
async function lockEndsAt(db: DbClient, idHash: string, endpointKey: string, since: Date, policy: VerificationPolicy): Promise<string | undefined> {
  const ends = await Promise.all(
    [{ idNumberHash: idHash }, { endpointKey }].map(async (key) => {
      const rows = await db.verificationAttempt.findMany({
        where: { ...key, success: false, createdAt: { gte: since } },
        orderBy: { createdAt: 'desc' },
        take: policy.maxFailures,
        select: { createdAt: true },
      });
      return rows.length >= policy.maxFailures ? rows[policy.maxFailures - 1]!.createdAt.getTime() + policy.lockHours * 3600_000 : 0;
    }),
  );
  const end = Math.max(...ends);
  return end ? new Date(end).toISOString() : undefined;
}

/**
 * Serialises verification for one ID number and one chat identity until the caller's transaction ends, so
 * counting failures and recording an attempt cannot interleave with a parallel guess (PostgreSQL advisory
 * transaction locks, taken in a fixed order; on the embedded database they are granted at once).
 */
async function lockVerification(db: DbClient, idHash: string, endpointKey: string) {
  for (const key of [`verify:id:${idHash}`, `verify:endpoint:${endpointKey}`]) {
    await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
  }
}

/**
 * The outbox channel of one-time codes; the SMS gateway's code sender is registered for it. It is not the
 * campaign SMS channel ('sms'): codes have their own gateway template and are erased once sent.
 */
export const SMS_OUTBOX_CHANNEL = 'sms-code';

/**
 * After ID number and name: decides the next question. Reveals nothing about whether the ID number exists:
 * unknown ID, wrong name and a real person all get ASK_FACTOR, and each such check opens one attempt (a failure
 * until a factor answer settles it, see openAttemptId), except that a correct ID number and name of a person
 * without a phone get NO_PHONE (they cannot verify remotely; nothing is recorded). In SMS mode a code is sent only
 * to the phone on record of a matching person.
 */
export async function checkIdentity(
  db: DbClient,
  input: { idNumber: string; name: string; endpointKey: string; now: Date },
  policy: VerificationPolicy,
): Promise<CheckIdentityResult> {
  const idHash = hashIdNumber(policy.secret, input.idNumber);
  const since = new Date(input.now.getTime() - policy.lockHours * 3600_000);
  await lockVerification(db, idHash, input.endpointKey);
  const openId = openAttemptId(policy, idHash, input.endpointKey, input.name);
  const open = await findOpenAttempt(db, openId);
  if ((await earlierFailures(db, idHash, input.endpointKey, since, open)) >= policy.maxFailures) {
    const lockedUntil = await lockEndsAt(db, idHash, input.endpointKey, since, policy);
    return { next: 'LOCKED', ...(lockedUntil ? { lockedUntil } : {}) };
  }
  const person = await personByIdNumber(db, input.idNumber);
  const matches = person ? namesMatch(person.name, input.name) : namesMatch(input.name, `${input.name}\u0000`);
  if (person && matches && !person.phone) return { next: 'NO_PHONE', personId: person.id };
  // The attempt counts from here, whatever the ID number and name (the factor answer settles this row).
  await db.verificationAttempt.upsert({
    where: { id: openId },
    create: { id: openId, idNumberHash: idHash, endpointKey: input.endpointKey, success: false, createdAt: input.now },
    update: { createdAt: input.now },
  });
  if (policy.method === 'sms' && person && matches && person.phone) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await db.oneTimeCode.create({
      data: {
        personId: person.id,
        endpointKey: input.endpointKey,
        codeHash: sha256(`${input.endpointKey}:${code}`),
        expiresAt: new Date(input.now.getTime() + policy.otpTtlMinutes * 60_000),
      },
    });
    // Sent by the outbox dispatcher after the turn commits (never over the network inside the transaction).
    await db.outboxMessage.create({
      data: { channel: SMS_OUTBOX_CHANNEL, endpoint: person.phone, kind: 'otp', payload: { text: code }, nextAttemptAt: input.now, createdAt: input.now },
    });
  }
  return { next: 'ASK_FACTOR', method: policy.method };
}

const VERIFY_COLUMNS = { id: true, name: true, phone: true, mergedIntoId: true } as const;

/** The person an ID number names; a row merged into another (issue 17) answers as the row kept. */
async function personByIdNumber(db: DbClient, idNumber: string) {
  const p = await db.person.findUnique({ where: { idNumber }, select: VERIFY_COLUMNS });
  return p?.mergedIntoId ? db.person.findUnique({ where: { id: p.mergedIntoId }, select: VERIFY_COLUMNS }) : p;
}

/**
 * Checks ID number, name and the second factor together; failures count towards the lockout by ID number and
 * by chat identity, serialised per both. The first answer after an identity check settles the attempt that check
 * opened, later answers record one row each (see openAttemptId). Every mismatch must be answered after the same
 * minimum time (policy.failureFloorMs): the caller waits that out after its transaction has committed.
 */
export async function verifyFactor(
  db: DbClient,
  input: { idNumber: string; name: string; factor: string; endpointKey: string; now: Date; source: string },
  policy: VerificationPolicy,
): Promise<VerifyFactorResult> {
  const idHash = hashIdNumber(policy.secret, input.idNumber);
  const since = new Date(input.now.getTime() - policy.lockHours * 3600_000);
  await lockVerification(db, idHash, input.endpointKey);
  const openId = openAttemptId(policy, idHash, input.endpointKey, input.name);
  const open = await findOpenAttempt(db, openId);
  if ((await earlierFailures(db, idHash, input.endpointKey, since, open)) >= policy.maxFailures) {
    // Not checked; the open attempt stays the failure it was, closed.
    if (open) await db.verificationAttempt.update({ where: { id: openId }, data: { id: randomUUID() } });
    const lockedUntil = await lockEndsAt(db, idHash, input.endpointKey, since, policy);
    return { ok: false, reason: 'LOCKED', ...(lockedUntil ? { lockedUntil } : {}) };
  }
  const person = await personByIdNumber(db, input.idNumber);
  let ok = false;
  if (person) {
    const nameOk = namesMatch(person.name, input.name);
    let factorOk = false;
    if (policy.method === 'phone_last4') {
      factorOk = equalSecret((person.phone ?? '').slice(-4) || '\u0000', input.factor);
    } else {
      const code = await db.oneTimeCode.findFirst({
        where: { personId: person.id, endpointKey: input.endpointKey, consumedAt: null, expiresAt: { gt: input.now } },
        orderBy: { createdAt: 'desc' },
      });
      factorOk = Boolean(code) && equalSecret(code!.codeHash, sha256(`${input.endpointKey}:${input.factor}`));
      if (factorOk && nameOk) await db.oneTimeCode.update({ where: { id: code!.id }, data: { consumedAt: input.now } });
    }
    ok = nameOk && factorOk && Boolean(person.phone);
  } else {
    equalSecret('\u0000', input.factor);
  }
  if (open) {
    await db.verificationAttempt.update({ where: { id: openId }, data: { id: randomUUID(), success: ok, createdAt: input.now } });
  } else {
    await db.verificationAttempt.create({
      data: { idNumberHash: idHash, endpointKey: input.endpointKey, success: ok, createdAt: input.now },
    });
  }
  if (ok && person) {
    await recordAudit(db, {
      actorType: 'RESIDENT',
      actorId: person.id,
      source: input.source,
      action: 'identity.verified',
      targetType: 'person',
      targetId: person.id,
      at: input.now,
    });
    return { ok: true, personId: person.id };
  }
  const failures = await failuresSince(db, idHash, input.endpointKey, since);
  if (failures >= policy.maxFailures) {
    const lockedUntil = await lockEndsAt(db, idHash, input.endpointKey, since, policy);
    return { ok: false, reason: 'LOCKED', ...(lockedUntil ? { lockedUntil } : {}) };
  }
  return { ok: false, reason: 'MISMATCH', triesLeft: policy.maxFailures - failures };
}
