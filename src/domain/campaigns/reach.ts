import { Prisma } from '../../generated/prisma/client';

export const CAMPAIGN_CHANNELS = ['wechat', 'sms'] as const;
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];
/** The chat channels that count as a bound WeChat identity. */
export const WECHAT_CHAT_CHANNELS = ['wechaty', 'wechat-oa'];

/**
 * The channel a person can be reached on, as SQL over `person p`: WeChat when a WeChat chat identity is bound
 * to the person (and not opted out there), else SMS when a phone is on record, else none (the visit list).
 */
export function reachSql(channels: readonly CampaignChannel[]): Prisma.Sql {
  const wechat = channels.includes('wechat')
    ? Prisma.sql`WHEN p.id IN (SELECT c.person_id FROM conversation c
        WHERE c.channel = ANY(${WECHAT_CHAT_CHANNELS}::text[]) AND c.person_id IS NOT NULL AND c.opted_out_at IS NULL) THEN 'wechat'`
    : Prisma.empty;
  const sms = channels.includes('sms') ? Prisma.sql`WHEN p.phone IS NOT NULL THEN 'sms'` : Prisma.empty;
  if (!channels.length) return Prisma.sql`'none'`;
  return Prisma.sql`CASE ${wechat} ${sms} ELSE 'none' END`;
}
