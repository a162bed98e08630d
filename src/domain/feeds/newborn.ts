import type { Prisma } from '../../generated/prisma/client';
import { createChangeRequest } from '../corrections/change-request.service';
import { NEWBORN_LEAD } from '../ports';
import { recordAudit } from '../staff/audit.service';
import { OPEN_STATUSES } from '../vocabulary';
import { type FeedSource } from './authority';
import { type FeedItem, type FeedPerson, type Tx } from './feed-batch';

/**
 * Newborns (户不漏人, issue 17): a health birth certificate is a lead on the mother's household until the child
 * is in the register, and a public-security BIRTH registers the child. Whichever arrives first, the other finds
 * it: the certificate of a child already registered is recorded as a lead closed on that child, and a BIRTH
 * closes the open lead of its certificate. A child and a lead are the same newborn when they are tied to the
 * mother (her household; without one, her hukou region and address), born the same day, of the same sex, and
 * the certificate's name is the child's or empty. One certificate per child (twins: two certificates).
 */

export interface Certificate {
  certificateNo: string;
  childName: string | null;
  sex: string;
  birthRegion: string | null;
}

interface Run {
  source: FeedSource;
  runId: string;
  now: Date;
}

/** The subject key of a newborn lead from a birth certificate: one lead per certificate, whatever its state. */
export const birthCertificateKey = (certificateNo: string) => `birth-certificate:${certificateNo}`;
const CERTIFICATE_KEY_PREFIX = birthCertificateKey('');

/** What ties a child to the mother in the register: her household, else her hukou region and address. */
function tieOf(s: { householdId: string | null; hukouRegion: string | null; hukouAddress: string | null }): Prisma.PersonWhereInput | null {
  if (s.householdId) return { householdId: s.householdId };
  if (s.hukouRegion && s.hukouAddress) return { hukouRegion: s.hukouRegion, hukouAddress: s.hukouAddress };
  return null;
}

/**
 * A birth certificate (the mother is `p`). Already recorded: nothing. The child already registered (same tie,
 * birth date, sex, the certificate's name or none, not claimed by another certificate): the lead is recorded
 * closed on the child, `changed` and not `new`. Else an open NEW_PERSON lead (`new`).
 */
export async function raiseNewbornLead(tx: Tx, p: FeedPerson, item: FeedItem, c: Certificate, run: Run): Promise<{ changed: boolean; created: boolean }> {
  const key = birthCertificateKey(c.certificateNo);
  if (await tx.changeRequest.findFirst({ where: { subjectKey: key }, select: { id: true } })) return { changed: false, created: false };
  const child = await registeredChild(tx, p, item.date, c);
  const lead = await createChangeRequest(
    tx,
    {
      kind: 'NEW_PERSON',
      personId: p.state.householdId ? null : p.id,
      householdId: p.state.householdId,
      regionCode: p.state.regionCode,
      channel: 'feed',
      actorType: 'IMPORT',
      now: run.now,
      fields: ['name', 'birthDate', 'relationship'],
      currentValues: { reportedBy: p.id, lead: NEWBORN_LEAD, source: run.source, feedRunId: run.runId, certificateNo: c.certificateNo },
      proposedValues: { name: c.childName ?? '', birthDate: item.date, sex: c.sex, relationship: 'CHILD', birthRegion: c.birthRegion },
      evidence: `${run.source} feed: birth certificate ${c.certificateNo}`,
      subjectKey: key,
    },
    null,
  );
  if (!child) return { changed: true, created: true };
  await closeLead(tx, lead, child, item, run, 'REGISTERED');
  return { changed: true, created: false };
}

/** The registered child a certificate names, if any (the first by id when several fit). */
async function registeredChild(tx: Tx, mother: FeedPerson, birthDate: string, c: Certificate): Promise<string | null> {
  const tie = tieOf(mother.state);
  if (!tie) return null;
  const children = await tx.person.findMany({
    where: { ...tie, id: { not: mother.id }, mergedIntoId: null, birthDate: new Date(`${birthDate}T00:00:00Z`), sex: c.sex as 'MALE' | 'FEMALE', ...(c.childName ? { name: c.childName } : {}) },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  if (!children.length) return null;
  const claimed = await tx.changeRequest.findMany({
    where: { kind: 'NEW_PERSON', status: 'APPROVED', personId: { in: children.map((x) => x.id) }, subjectKey: { startsWith: CERTIFICATE_KEY_PREFIX } },
    select: { personId: true },
  });
  const taken = new Set(claimed.map((x) => x.personId));
  return children.find((x) => !taken.has(x.id))?.id ?? null;
}

/**
 * A public-security BIRTH that created the child closes one open newborn lead for it (health certificate or a
 * parent's report in chat): tied to the same household (or, for a mother without one, the same hukou region and
 * address), same birth date, same sex when the lead states one, the same name or none. Returns how many closed.
 */
export async function closeNewbornLeads(tx: Tx, p: FeedPerson, item: FeedItem, run: Run): Promise<number> {
  const { householdId, birthDate, name, sex, hukouRegion, hukouAddress } = p.state;
  if (!birthDate) return 0;
  const where: Prisma.ChangeRequestWhereInput[] = [];
  if (householdId) where.push({ householdId });
  if (hukouRegion && hukouAddress) where.push({ householdId: null, person: { hukouRegion, hukouAddress, householdId: null } });
  if (!where.length) return 0;
  const leads = await tx.changeRequest.findMany({
    where: {
      kind: 'NEW_PERSON',
      OR: where,
      status: { in: [...OPEN_STATUSES] },
      AND: [{ currentValues: { path: ['lead'], equals: NEWBORN_LEAD } }, { proposedValues: { path: ['birthDate'], equals: birthDate } }],
    },
    select: { id: true, reference: true, proposedValues: true },
    orderBy: { createdAt: 'asc' },
  });
  for (const lead of leads) {
    const v = lead.proposedValues as { name?: string | null; sex?: string | null };
    if ((v.name ?? '') !== '' && v.name !== name) continue;
    if (v.sex && sex && v.sex !== sex) continue;
    if (await closeLead(tx, lead, p.id, item, run, 'BIRTH')) return 1;
  }
  return 0;
}

/**
 * Closes a lead on its child: APPROVED, the request's person the child, decided by no one, `decision_reason`
 * naming the feed and line, and a `review.approve` audit event (actor IMPORT, source feed, `closedBy`).
 */
async function closeLead(tx: Tx, lead: { id: string; reference: string }, childId: string, item: FeedItem, run: Run, closedBy: 'BIRTH' | 'REGISTERED'): Promise<boolean> {
  const reason = closedBy === 'BIRTH' ? `${run.source} feed: birth registered, line ${item.line}` : `${run.source} feed: the child is already registered, line ${item.line}`;
  const { count } = await tx.changeRequest.updateMany({
    where: { id: lead.id, status: { in: [...OPEN_STATUSES] } },
    data: { status: 'APPROVED', personId: childId, decidedAt: run.now, decisionReason: reason, claimedBy: null, claimedAt: null, version: { increment: 1 }, updatedAt: run.now },
  });
  if (!count) return false;
  await recordAudit(tx, {
    actorType: 'IMPORT',
    actorId: null,
    source: 'feed',
    action: 'review.approve',
    targetType: 'change_request',
    targetId: lead.id,
    at: run.now,
    details: { reference: lead.reference, personId: childId, closedBy, feedRunId: run.runId, line: item.line },
  });
  return true;
}
