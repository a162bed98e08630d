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
  const { wechat, sms } = reachTests(channels);
  return Prisma.sql`CASE WHEN ${wechat} THEN 'wechat' WHEN ${sms} THEN 'sms' ELSE 'none' END`;
}

/** The two tests of reachSql as booleans over `person p` (for counting without building a text per person). */
export function reachTests(channels: readonly CampaignChannel[]): { wechat: Prisma.Sql; sms: Prisma.Sql } {
  return {
    wechat: channels.includes('wechat')
      ? Prisma.sql`p.id IN (SELECT c.person_id FROM conversation c
          WHERE c.channel = ANY(${WECHAT_CHAT_CHANNELS}::text[]) AND c.person_id IS NOT NULL AND c.opted_out_at IS NULL)`
      : Prisma.sql`false`,
    sms: channels.includes('sms') ? Prisma.sql`p.phone IS NOT NULL` : Prisma.sql`false`,
  };
}
