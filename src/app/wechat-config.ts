import { z } from 'zod';
import { ConfigError } from './config';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
const aesKey = z.string().regex(/^[A-Za-z0-9+/]{43}$/, 'must be the 43-character EncodingAESKey');

/** The WeChat channels' environment variables (README "WeChat channels"). Both channels are off by default. */
export const wechatConfigSchema = z.object({
  /** Wechaty puppet module (Wechaty's own variable), e.g. wechaty-puppet-service; unset = no Wechaty bot. */
  WECHATY_PUPPET: z.string().min(1).optional(),
  /** Name of the bot; Wechaty keeps the login session in <name>.memory-card.json in the working folder. */
  WECHATY_NAME: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, dot, dash or underscore').default('canbao'),
  WECHATY_ACCEPT_FRIENDS: bool.default(false),
  /** Minimum gap between two messages to the same contact. */
  WECHATY_MIN_GAP_MS: int(0, 600_000).default(1500),
  /** Messages the account sends per minute and per day at most (all contacts together). */
  WECHATY_SENDS_PER_MINUTE: int(1, 1_000_000).default(20),
  WECHATY_SENDS_PER_DAY: int(1, 1_000_000).default(2000),
  /** Longer replies are split at line breaks into messages of at most this many characters. */
  WECHATY_MAX_CHARS: int(50, 5000).default(1000),
  /** Official account: the webhook is mounted only when the token is set. */
  WECHAT_OA_TOKEN: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3-32 letters or digits (as set in the official account)').optional(),
  WECHAT_OA_APPID: z.string().regex(/^\w{4,64}$/, 'must be the AppID').optional(),
  WECHAT_OA_SECRET: z.string().min(8, 'must be the AppSecret').optional(),
  /** Safe mode: the current EncodingAESKey, and the previous one while WeChat may still use it. */
  WECHAT_OA_AES_KEY: aesKey.optional(),
  WECHAT_OA_AES_KEY_PREVIOUS: aesKey.optional(),
  /** Production refuses the plaintext mode (no WECHAT_OA_AES_KEY) unless this is true. Safe mode is recommended. */
  WECHAT_OA_ALLOW_PLAINTEXT: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false').transform((v) => v === 'true'),
  WECHAT_OA_API_BASE: z.url('must be a URL').default('https://api.weixin.qq.com'),
  /** Time a turn may take before the webhook answers "success" and replies through the customer-service API. */
  WECHAT_OA_REPLY_BUDGET_MS: int(1, 4800).default(4500),
});

export type WechatConfig = z.infer<typeof wechatConfigSchema>;

/** Parses the WeChat variables; throws ConfigError naming each bad variable. */
export function loadWechatConfig(env: NodeJS.ProcessEnv = process.env): WechatConfig {
  const keys = Object.keys(wechatConfigSchema.shape);
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => keys.includes(k) && v !== undefined && v !== ''));
  const result = wechatConfigSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const name = String(i.path[0]);
        const shown = /SECRET|TOKEN|AES_KEY/.test(name) ? '(hidden)' : JSON.stringify(String(cleaned[name] ?? ''));
        return `${i.path.join('.')}: ${i.message} (got ${shown})`;
      }),
    );
  }
  const c = result.data;
  const problems: string[] = [];
  if (c.WECHAT_OA_TOKEN && !c.WECHAT_OA_APPID) problems.push('WECHAT_OA_APPID: required when WECHAT_OA_TOKEN is set');
  if (c.WECHAT_OA_TOKEN && !c.WECHAT_OA_SECRET) problems.push('WECHAT_OA_SECRET: required when WECHAT_OA_TOKEN is set (customer-service messages)');
  if (c.WECHAT_OA_AES_KEY_PREVIOUS && !c.WECHAT_OA_AES_KEY) problems.push('WECHAT_OA_AES_KEY: required when WECHAT_OA_AES_KEY_PREVIOUS is set');
  if (env.NODE_ENV === 'production' && c.WECHAT_OA_TOKEN && !c.WECHAT_OA_AES_KEY && !c.WECHAT_OA_ALLOW_PLAINTEXT)
    problems.push(
      'WECHAT_OA_AES_KEY: required in production (safe mode). Plaintext mode lets anyone who saw one signed request send messages; ' +
        'set WECHAT_OA_ALLOW_PLAINTEXT=true only if you accept that.',
    );
  if (problems.length) throw new ConfigError(problems);
  return c;
}
