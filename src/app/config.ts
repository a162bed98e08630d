import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) =>
  z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(min).max(max);

/** Every environment variable Canbao reads, validated once at start-up. See README "Configuration". */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/.+|pglite:.+)$/, 'must be postgresql://…, pglite:<folder> or pglite:memory')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_LOCALE: z.enum(['zh-CN', 'en']).default('zh-CN'),
  /** Keyed hash for ID numbers in rate-limit rows; must be set (32+ chars) in production. */
  ID_HASH_SECRET: z.string().min(32, 'must be at least 32 characters').default('canbao-development-secret-change-me-0000'),
  VERIFY_METHOD: z.enum(['phone_last4', 'sms']).default('phone_last4'),
  SMS_GATEWAY: z.enum(['dev', 'http']).default('dev'),
  SMS_HTTP_URL: z.url('must be a URL').optional(),
  SMS_HTTP_TOKEN: z.string().optional(),
  SESSION_IDLE_MINUTES: int(1, 24 * 60).default(15),
  BINDING_DAYS: int(0, 365).default(30),
  VERIFY_MAX_FAILURES: int(1, 100).default(5),
  VERIFY_LOCK_HOURS: int(1, 24 * 30).default(24),
  TRANSCRIPT_RETENTION_DAYS: int(1, 3650).default(180),
  STAFF_TOKEN_TTL_HOURS: int(1, 24 * 7).default(8),
  STAFF_MAX_LOGIN_FAILURES: int(1, 100).default(5),
  STAFF_LOCK_MINUTES: int(1, 24 * 60).default(15),
  CHAT_RATE_LIMIT_PER_MINUTE: int(1, 100000).default(60),
  /** Load regions and a synthetic demo population into an empty database at start-up. */
  DEMO_SEED: bool.default(true),
  DEMO_PERSONS: int(0, 1000000).default(3000),
  /** Extra non-working days (YYYY-MM-DD, comma separated) for review due dates. */
  HOLIDAYS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(z.iso.date('must be dates YYYY-MM-DD separated by commas'))),
  OUTBOX_POLL_MS: int(10, 60000).default(500),
  SCHEDULER_POLL_MS: int(100, 600000).default(5000),
  // Community workers' campaigns (issue 15).
  /** Where personal campaign links point: <base>/chat?c=<token>. */
  CAMPAIGN_LINK_BASE: z.url('must be a URL').default('http://localhost:3000'),
  CAMPAIGN_LINK_DAYS: int(1, 90).default(14),
  /** Campaign sends per minute per channel account (shared by every process through the database). */
  CAMPAIGN_SMS_PER_MINUTE: int(1, 100000).default(300),
  CAMPAIGN_WECHAT_PER_MINUTE: int(1, 100000).default(20),
  CAMPAIGN_BATCH: int(10, 10000).default(500),
  CAMPAIGN_POLL_MS: int(100, 600000).default(5000),
  /** Official-account template message id for reminders outside the 48-hour customer-service window. */
  WECHAT_OA_TEMPLATE_ID: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming each bad variable and what it must be. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(String(cleaned[String(i.path[0])] ?? ''))})`),
    );
  }
  const c = result.data;
  const problems: string[] = [];
  if (c.NODE_ENV === 'production' && c.ID_HASH_SECRET.startsWith('canbao-development-secret'))
    problems.push('ID_HASH_SECRET: must be set to a secret of your own in production');
  if (c.SMS_GATEWAY === 'http' && !c.SMS_HTTP_URL) problems.push('SMS_HTTP_URL: required when SMS_GATEWAY=http');
  if (problems.length) throw new ConfigError(problems);
  return c;
}
