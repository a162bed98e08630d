import type { RequestListener } from 'node:http';
import express from 'express';
import type { PuppetModuleName, Wechaty } from 'wechaty';
import type * as WechatyModule from 'wechaty';
import { AccessTokenCache } from '../channels/wechat-oa/access-token';
import { PassiveReplyLedger } from '../channels/wechat-oa/passive-reply-ledger';
import { FetchWechatApi, type WechatApi } from '../channels/wechat-oa/wechat-api';
import { WechatCrypto } from '../channels/wechat-oa/wechat-crypto';
import { WechatOaSender } from '../channels/wechat-oa/wechat-oa-sender';
import { WechatOaWebhook } from '../channels/wechat-oa/wechat-oa-webhook';
import { canbaoPlugin, DEFAULT_GROUP_POINTER, type CanbaoPlugin } from '../channels/wechaty/canbao-plugin';
import { WechatyRunner, type WechatyStatus } from '../channels/wechaty/wechaty-runner';
import { OutboxDispatcher } from '../conversation/outbox-dispatcher';
import { synonyms } from '../lib/i18n';
import { createWechatOaRouter } from '../http/wechat-oa.router';
import type { Container } from './container';
import type { WechatConfig } from './wechat-config';

export interface WechatChannelsOptions {
  /** Builds the Wechaty bot; default `WechatyBuilder.build({ name: WECHATY_NAME, puppet: WECHATY_PUPPET })`. Tests pass a mock puppet. */
  buildWechaty?: () => Wechaty;
  /** Where the login QR code is drawn; default stdout. */
  print?: (text: string) => void;
  /** WeChat's API; default FetchWechatApi on WECHAT_OA_API_BASE. */
  wechatApi?: WechatApi;
  /** Start the runner and the dispatch loops (default true). */
  autoStart?: boolean;
}

export interface WechatyChannel {
  runner: WechatyRunner;
  plugin: CanbaoPlugin;
  /** Sends the 'wechaty' outbox rows (its own dispatcher: pacing waits never hold up other channels). */
  dispatcher: OutboxDispatcher;
  /** Login state and QR code for a console page. */
  readonly status: WechatyStatus;
}

export interface WechatOaChannel {
  webhook: WechatOaWebhook;
  sender: WechatOaSender;
  ledger: PassiveReplyLedger;
  tokens: AccessTokenCache;
  /** Sends the 'wechat-oa' outbox rows. */
  dispatcher: OutboxDispatcher;
  router: express.Router;
}

export interface WechatChannels {
  wechaty?: WechatyChannel;
  oa?: WechatOaChannel;
  /** The HTTP handler to serve: /wechat/oa in front of `app` when the webhook is on, else `app` itself. */
  wrap(app: RequestListener): RequestListener;
  stop(): Promise<void>;
}

/**
 * Starts the WeChat channels the configuration asks for: the Wechaty bot when WECHATY_PUPPET is set, the
 * official-account webhook when WECHAT_OA_TOKEN is set. Each channel gets its own outbox dispatcher (a
 * second OutboxDispatcher claiming only that channel's rows), so WeChat's pacing and the webhook's wait for
 * its passive-reply decision never delay the web chat; the container's dispatcher keeps the other channels.
 */
export async function startWechatChannels(container: Container, config: WechatConfig, opts: WechatChannelsOptions = {}): Promise<WechatChannels> {
  const { logger, clock, i18n, engine } = container;
  const prisma = container.db.prisma;
  const pollMs = container.config.OUTBOX_POLL_MS;
  const autoStart = opts.autoStart ?? true;
  const channels: WechatChannels = {
    wrap: (app) => app,
    stop: async () => {},
  };
  const stops: (() => Promise<void>)[] = [];

  if (config.WECHAT_OA_TOKEN) {
    const oa = createWechatOaChannel(container, config, opts);
    channels.oa = oa;
    if (autoStart) oa.dispatcher.start();
    stops.push(() => oa.dispatcher.stop());
    channels.wrap = (app) => {
      const outer = express();
      outer.disable('x-powered-by');
      outer.set('trust proxy', 'loopback');
      outer.use(oa.router);
      outer.use((req, res) => app(req, res));
      return outer;
    };
    logger.info({ path: '/wechat/oa', safeMode: !!config.WECHAT_OA_AES_KEY }, 'wechat official-account webhook on');
  }

  if (config.WECHATY_PUPPET || opts.buildWechaty) {
    // Up to about a day of retries: a logged-out account waits for a person to scan the QR code again.
    const dispatcher = new OutboxDispatcher(prisma, clock, logger, { pollMs, maxAttempts: 24 });
    const plugin = canbaoPlugin({
      engine,
      dispatcher,
      logger,
      acceptFriends: config.WECHATY_ACCEPT_FRIENDS,
      maxChars: config.WECHATY_MAX_CHARS,
      pacing: { minGapMs: config.WECHATY_MIN_GAP_MS, perMinute: config.WECHATY_SENDS_PER_MINUTE, perDay: config.WECHATY_SENDS_PER_DAY },
      groupPointer: i18n.t('channel.wechaty.groupPointer', { lng: container.config.DEFAULT_LOCALE, defaultValue: DEFAULT_GROUP_POINTER }),
    });
    // Wechaty itself is loaded only when the channel is on (~75 MB of RSS in every process otherwise).
    const { WechatyBuilder } = opts.buildWechaty ? { WechatyBuilder: null } : ((await import('wechaty')) as unknown as typeof WechatyModule);
    const build = opts.buildWechaty ?? (() => WechatyBuilder!.build({ name: config.WECHATY_NAME, puppet: config.WECHATY_PUPPET as PuppetModuleName }));
    const runner = new WechatyRunner({ build, plugin, logger, ...(opts.print ? { print: opts.print } : {}) });
    channels.wechaty = {
      runner,
      plugin,
      dispatcher,
      get status() {
        return runner.status;
      },
    };
    if (autoStart) {
      dispatcher.start();
      await runner.start();
    }
    stops.push(async () => {
      plugin.close();
      await runner.stop();
      await dispatcher.stop();
    });
    logger.info({ puppet: config.WECHATY_PUPPET ?? 'injected' }, 'wechaty channel on');
  }

  channels.stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  return channels;
}

/** The official-account channel's parts (also used by tests to build a second webhook with other options). */
export function createWechatOaChannel(container: Container, config: WechatConfig, opts: Pick<WechatChannelsOptions, 'wechatApi'> = {}): WechatOaChannel {
  const { logger, clock, i18n, engine } = container;
  if (!config.WECHAT_OA_TOKEN || !config.WECHAT_OA_APPID || !config.WECHAT_OA_SECRET) throw new Error('WECHAT_OA_TOKEN, WECHAT_OA_APPID and WECHAT_OA_SECRET are required');
  const api = opts.wechatApi ?? new FetchWechatApi({ baseUrl: config.WECHAT_OA_API_BASE, appId: config.WECHAT_OA_APPID, secret: config.WECHAT_OA_SECRET });
  const tokens = new AccessTokenCache(api, clock);
  const ledger = new PassiveReplyLedger();
  const sender = new WechatOaSender({ api, tokens, ledger, decisionWaitMs: config.WECHAT_OA_REPLY_BUDGET_MS + 1000 });
  const dispatcher = new OutboxDispatcher(container.db.prisma, clock, logger, { pollMs: container.config.OUTBOX_POLL_MS });
  dispatcher.register(sender);
  const aesKeys = [config.WECHAT_OA_AES_KEY, config.WECHAT_OA_AES_KEY_PREVIOUS].filter((k): k is string => !!k);
  const webhook = new WechatOaWebhook({
    token: config.WECHAT_OA_TOKEN,
    ...(aesKeys.length ? { crypto: new WechatCrypto(config.WECHAT_OA_APPID, aesKeys) } : {}),
    engine,
    ledger,
    kick: () => void dispatcher.kick(),
    clock,
    logger,
    replyBudgetMs: config.WECHAT_OA_REPLY_BUDGET_MS,
    stopText: synonyms(i18n, 'zh-CN', 'commands.stop')[0] ?? '退订',
  });
  return { webhook, sender, ledger, tokens, dispatcher, router: createWechatOaRouter({ webhook, logger }) };
}
