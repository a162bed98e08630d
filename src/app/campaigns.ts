import type { i18n } from 'i18next';
import { httpSmsPost, SmsCampaignSender, type SmsPost } from '../channels/sms/sms-campaign-sender';
import { CampaignSmsOutbox } from '../conversation/campaign-sms-outbox';
import { CampaignDispatcher, type CampaignRenderer } from '../domain/campaigns/campaign-dispatcher';
import { maskPhone } from '../domain/codes/masking';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Config } from './config';

/** Renders campaign.templates.<template> in the recipient's language; missing types by their short names. */
export function campaignRenderer(i18n: i18n): CampaignRenderer {
  // The list of missing cover repeats from one recipient to the next (a few insurance types, two locales): built
  // once per locale and list instead of three translations per message.
  const missingText = new Map<string, string>();
  const missing = (lng: string, types: string[]) => {
    const key = `${lng}|${types.join(',')}`;
    let text = missingText.get(key);
    if (text === undefined) {
      text = types.map((t) => i18n.t(`campaign.missingShort.${t}`, { lng })).join(i18n.t('campaign.missingJoin', { lng }));
      missingText.set(key, text);
    }
    return text;
  };
  return (lng, template, v) => i18n.t(`campaign.templates.${template}`, { lng, name: v.name, township: v.township, link: v.link, missing: missing(lng, v.missing) });
}

/** Development SMS gateway for campaigns: logs (phone masked) and accepts. */
const devSmsPost =
  (logger: Logger): SmsPost =>
  async (body) => {
    logger.info({ to: maskPhone(body.phone), template: body.template, chars: body.text.length }, 'development SMS gateway: campaign message');
    return { status: 200, body: 'ok' };
  };

/** The campaign dispatcher and the campaign SMS outbox, started and stopped together. */
export interface CampaignRuntime {
  dispatcher: CampaignDispatcher;
  /** Sends the campaign SMS rows of the outbox in batches (the chat outbox dispatcher leaves channel `sms` to it). */
  smsOutbox: CampaignSmsOutbox;
  start(): void;
  stop(): Promise<void>;
}

/** The campaign dispatcher and the campaign SMS outbox, from config. */
export function createCampaignRuntime(a: { config: Config; prisma: PrismaClient; i18n: i18n; clock: Clock; logger: Logger; smsPost?: SmsPost }): CampaignRuntime {
  const { config } = a;
  const logger = a.logger.child({ component: 'campaigns' });
  const post = a.smsPost ?? (config.SMS_GATEWAY === 'http' && config.SMS_HTTP_URL ? httpSmsPost(config.SMS_HTTP_URL, config.SMS_HTTP_TOKEN) : devSmsPost(a.logger));
  const smsOutbox = new CampaignSmsOutbox(a.prisma, a.clock, logger, new SmsCampaignSender(post), { batchSize: config.CAMPAIGN_BATCH });
  const dispatcher = new CampaignDispatcher({
    prisma: a.prisma,
    clock: a.clock,
    logger,
    render: campaignRenderer(a.i18n),
    linkBase: config.CAMPAIGN_LINK_BASE,
    linkDays: config.CAMPAIGN_LINK_DAYS,
    batchSize: config.CAMPAIGN_BATCH,
    materialiseBatchSize: config.CAMPAIGN_MATERIALISE_BATCH,
    rates: { smsPerMinute: config.CAMPAIGN_SMS_PER_MINUTE, wechatPerMinute: config.CAMPAIGN_WECHAT_PER_MINUTE },
    oaTemplateId: config.WECHAT_OA_TEMPLATE_ID,
    pollMs: config.CAMPAIGN_POLL_MS,
    onOutbox: () => void smsOutbox.kick(),
  });
  return {
    dispatcher,
    smsOutbox,
    start() {
      smsOutbox.start();
      dispatcher.start();
    },
    async stop() {
      await dispatcher.stop();
      await smsOutbox.stop();
    },
  };
}
