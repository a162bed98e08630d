import type { DbClient } from '../../db/db-client';
import { recordAudit } from '../staff/audit.service';
import { normaliseIdNumber } from '../codes/id-number';
import { isWithinRegion } from '../codes/region-scope';
import { maskPhone } from '../codes/masking';
import type { StaffContext } from './segment.service';

/**
 * Staff-set do-not-contact (no campaign message reaches the person on any channel), region-scoped and audited;
 * a person outside the region answers NOT_FOUND like a missing one.
 */
export async function setDoNotContact(
  db: DbClient,
  ctx: StaffContext,
  a: { idNumber: string; on: boolean; reason?: string },
): Promise<{ ok: true } | { ok: false; code: 'NOT_FOUND' }> {
  const p = await db.person.findUnique({ where: { idNumber: normaliseIdNumber(a.idNumber) }, select: { id: true, regionCode: true } });
  const action = a.on ? 'contact.do_not_contact' : 'contact.allow';
  if (!p || !isWithinRegion(ctx.staff.regionCode, p.regionCode)) {
    await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action, targetType: 'person', targetId: p?.id ?? 'unknown', outcome: 'DENIED', at: ctx.now });
    return { ok: false, code: 'NOT_FOUND' };
  }
  if (a.on) {
    await db.doNotContact.upsert({
      where: { personId: p.id },
      create: { personId: p.id, reason: a.reason ?? '', setBy: ctx.staff.id, setAt: ctx.now },
      update: { reason: a.reason ?? '', setBy: ctx.staff.id, setAt: ctx.now },
    });
  } else {
    await db.doNotContact.deleteMany({ where: { personId: p.id } });
  }
  await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action, targetType: 'person', targetId: p.id, at: ctx.now, details: { reason: a.reason ?? null } });
  return { ok: true };
}

/** A reply to a campaign SMS (the gateway's callback): 退订/TD/STOP switch reminders off for that number, 订阅/START on. */
export async function applySmsReply(db: DbClient, a: { phone: string; command: 'stop' | 'start'; now: Date }): Promise<number> {
  const r = await db.person.updateMany({ where: { phone: a.phone }, data: { remindersOptOut: a.command === 'stop' } });
  await recordAudit(db, {
    actorType: 'RESIDENT',
    source: 'sms',
    action: a.command === 'stop' ? 'contact.opt_out' : 'contact.opt_in',
    targetType: 'phone',
    targetId: maskPhone(a.phone),
    at: a.now,
    details: { persons: r.count },
  });
  return r.count;
}
