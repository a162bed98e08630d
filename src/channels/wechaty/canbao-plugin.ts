import type { Friendship, Message, Wechaty, WechatyPlugin } from 'wechaty';
// The enums only (the same module wechaty re-exports as `types`): importing wechaty itself costs ~75 MB of RSS.
import * as types from 'wechaty-puppet/types';
import type { ConversationEngine } from '../../conversation/engine';
import type { ChannelSender } from '../../conversation/messages';
import type { Logger } from '../../lib/logger';
import { SendPacer, type PacingOptions } from './pacing';
import { WECHATY_CHANNEL, WechatySender } from './wechaty-sender';

/** What the plugin needs from Canbao. */
export interface CanbaoPluginDeps {
  engine: Pick<ConversationEngine, 'handle' | 'start'>;
  /** The outbox dispatcher that sends the 'wechaty' rows (the plugin registers its sender on it). */
  dispatcher: { register(sender: ChannelSender): void; kick(): Promise<unknown> | void };
  logger: Logger;
  pacing: Omit<PacingOptions, 'now' | 'sleep'> & Partial<Pick<PacingOptions, 'now' | 'sleep'>>;
  /** Accept friend requests (and greet the new contact). Default false. */
  acceptFriends?: boolean;
  /** The pointer posted in a group when someone mentions the bot there. */
  groupPointer?: string;
  /** Longest message in characters (longer ones are split at line breaks). */
  maxChars?: number;
  /** Messages dated before this are dropped (default: when canbaoPlugin() was called). */
  startedAt?: Date;
  /** How long a send waits for a login before the outbox retries it. */
  loginWaitMs?: number;
}

export type CanbaoPlugin = WechatyPlugin & {
  readonly sender: WechatySender;
  /** Stops sending for good (waiting sends fail and stay in the outbox). */
  close(): void;
};

/** Said in a group chat: never handle personal data there; point to a private chat instead. */
export const DEFAULT_GROUP_POINTER = '您好！为保护您的个人信息，参保登记请加我为好友后私聊办理，不要在群里发送身份证号等信息。';
/** Puppets replay recent history on login; messages this much older than the start are not answered. */
const STALE_SLACK_MS = 10_000;
/** One pointer per group in this time, however often the bot is mentioned. */
const GROUP_POINTER_COOLDOWN_MS = 60_000;

/** Message types that carry no text but deserve an answer ("please type", then the question again). */
const MEDIA_TYPES = new Set<types.Message>([
  types.Message.Audio,
  types.Message.Image,
  types.Message.Video,
  types.Message.Emoticon,
  types.Message.Attachment,
  types.Message.Location,
  types.Message.Url,
  types.Message.MiniProgram,
  types.Message.Contact,
]);

/**
 * Canbao as a Wechaty plugin, so an existing Wechaty bot can mount it: `bot.use(canbaoPlugin(deps))`.
 *
 * Direct messages from people go to the conversation engine (channel 'wechaty', endpoint = contact id,
 * messageId = WeChat's message id, so a redelivered message is answered once). Replies go out only through
 * the outbox: the engine queues them and the plugin's sender, registered on the dispatcher, sends them, paced.
 * Group messages are ignored unless the bot is mentioned; then the group gets a short pointer to a private
 * chat and nothing personal. The bot's own messages and messages from before the start are dropped.
 */
export function canbaoPlugin(deps: CanbaoPluginDeps): CanbaoPlugin {
  const { engine, dispatcher, logger } = deps;
  const log = logger.child({ channel: WECHATY_CHANNEL });
  const startedAt = (deps.startedAt ?? new Date()).getTime();
  const sender = new WechatySender({
    pacer: new SendPacer(deps.pacing),
    ...(deps.maxChars ? { maxChars: deps.maxChars } : {}),
    ...(deps.loginWaitMs !== undefined ? { loginWaitMs: deps.loginWaitMs } : {}),
  });
  dispatcher.register(sender);
  const pointerSentAt = new Map<string, number>();
  const kick = () => void Promise.resolve(dispatcher.kick()).catch((err: unknown) => log.error({ err }, 'outbox kick failed'));

  async function onDirectMessage(msg: Message): Promise<void> {
    const talker = msg.talker();
    if (talker.type() === types.Contact.Official) return;
    const type = msg.type();
    let text: string;
    if (type === types.Message.Text) text = msg.text();
    else if (MEDIA_TYPES.has(type)) text = '';
    else return; // recalled messages, system notes, transfers: nothing to answer
    const result = await engine.handle({
      channel: WECHATY_CHANNEL,
      endpoint: talker.id,
      messageId: msg.id,
      text,
      receivedAt: msg.date(),
      ...(type === types.Message.Text ? {} : { nonText: true }),
    });
    if (result.duplicate) log.debug({ messageId: msg.id }, 'duplicate message ignored');
    kick();
  }

  async function onGroupMessage(msg: Message, roomId: string): Promise<void> {
    if (!(await msg.mentionSelf())) return;
    const last = pointerSentAt.get(roomId);
    const now = Date.now();
    if (last !== undefined && now - last < GROUP_POINTER_COOLDOWN_MS) return;
    pointerSentAt.set(roomId, now);
    await sender.sendDirect(roomId, deps.groupPointer ?? DEFAULT_GROUP_POINTER);
    log.info({ roomId }, 'pointed a group mention to a private chat');
  }

  function onMessage(msg: Message): void {
    if (msg.self()) return;
    if (msg.date().getTime() < startedAt - STALE_SLACK_MS) {
      log.debug({ messageId: msg.id }, 'message from before the start dropped');
      return;
    }
    const room = msg.room();
    // No await before engine.handle on the direct path: one contact's messages reach the engine in order.
    const work = room ? onGroupMessage(msg, room.id) : onDirectMessage(msg);
    work.catch((err: unknown) => log.error({ err, messageId: msg.id }, 'wechaty message not handled'));
  }

  function onFriendship(friendship: Friendship): void {
    if (friendship.type() !== types.Friendship.Receive) return;
    if (!deps.acceptFriends) {
      log.info('friend request left for a person to accept (WECHATY_ACCEPT_FRIENDS is off)');
      return;
    }
    void (async () => {
      await friendship.accept();
      const contact = friendship.contact();
      log.info({ contactId: contact.id }, 'friend request accepted');
      await engine.start(WECHATY_CHANNEL, contact.id);
      kick();
    })().catch((err: unknown) => log.error({ err }, 'friend request not handled'));
  }

  const plugin = (bot: Wechaty) => {
    const onLogin = () => {
      sender.loggedIn();
      kick();
    };
    bot.on('message', onMessage);
    bot.on('friendship', onFriendship);
    bot.on('login', onLogin);
    sender.attach(bot);
    return () => {
      bot.off('message', onMessage);
      bot.off('friendship', onFriendship);
      bot.off('login', onLogin);
      sender.detach(bot);
    };
  };
  return Object.assign(plugin, { sender, close: () => sender.close() });
}
