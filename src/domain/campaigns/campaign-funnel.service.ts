import type { DbClient } from '../../db/db-client';
import { recordAudit } from '../staff/audit.service';
import { campaignTokenHash } from './campaign-dispatcher';
import { CAMPAIGN_TEMPLATES, type CampaignTask, type CampaignTemplate } from './campaign.service';

/**
 * A personal link opened (/chat?c=<token>): the recipient is marked opened and tied to the chat. The token
 * is single-person and expires; an unknown or expired token is ignored (the chat works as usual). Nothing
 * about the person is shown: the chat still verifies identity.
 */
export async function openCampaignLink(db: DbClient, a: { token: string; conversationId: string; channel: string; now: Date }): Promise<boolean> {
  const r = await db.campaignRecipient.findUnique({ where: { tokenHash: campaignTokenHash(a.token) } });
  if (!r || !r.tokenExpiresAt || r.tokenExpiresAt <= a.now) return false;
  await db.campaignRecipient.update({
    where: { id: r.id },
    data: { conversationId: a.conversationId, ...(r.openedAt ? {} : { openedAt: a.now }), ...(r.status === 'SENT' ? { status: 'OPENED' } : {}) },
  });
  await recordAudit(db, { actorType: 'RESIDENT', source: a.channel, action: 'campaign.link_opened', targetType: 'campaign_recipient', targetId: r.id, at: a.now, details: { campaignId: r.campaignId } });
  return true;
}

/**
 * After a chat verified `personId`: when the chat came through that person's own link, the recipient is
 * marked verified and the campaign's task is returned (confirm, correct, employment, status); else null.
 */
export async function campaignTaskAfterVerification(db: DbClient, a: { conversationId: string; personId: string; now: Date }): Promise<CampaignTask | null> {
  const r = await db.campaignRecipient.findFirst({ where: { conversationId: a.conversationId, personId: a.personId }, orderBy: { openedAt: 'desc' } });
  if (!r) return null;
  if (!r.verifiedAt) {
    await db.campaignRecipient.update({ where: { id: r.id }, data: { verifiedAt: a.now, ...(r.status === 'SENT' || r.status === 'OPENED' ? { status: 'VERIFIED' } : {}) } });
  }
  const c = await db.campaign.findUnique({ where: { id: r.campaignId }, select: { template: true } });
  return c ? (CAMPAIGN_TEMPLATES[c.template as CampaignTemplate] ?? null) : null;
}

/** The resident did the task in the chat their link opened: confirmed directly, or sent a correction. */
export async function recordCampaignOutcome(db: DbClient, a: { conversationId: string; personId: string; outcome: 'CONFIRMED' | 'CORRECTED'; now: Date }): Promise<void> {
  await db.campaignRecipient.updateMany({
    where: { conversationId: a.conversationId, personId: a.personId, outcome: null },
    data: { outcome: a.outcome, status: 'COMPLETED', completedAt: a.now },
  });
}
