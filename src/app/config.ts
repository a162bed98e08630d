import { z } from 'zod';
import { parseServiceHours } from '../domain/handoff/service-hours';
import { REGION_CODE_PATTERN } from '../domain/vocabulary';

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
  /** Minimum time before a failed verification is answered (default 250 ms; 20 ms under NODE_ENV=test). */
  VERIFY_FAILURE_FLOOR_MS: int(0, 10_000).optional(),
  TRANSCRIPT_RETENTION_DAYS: int(1, 3650).default(180),
  STAFF_TOKEN_TTL_HOURS: int(1, 24 * 7).default(8),
  STAFF_MAX_LOGIN_FAILURES: int(1, 100).default(5),
  STAFF_LOCK_MINUTES: int(1, 24 * 60).default(15),
  CHAT_RATE_LIMIT_PER_MINUTE: int(1, 100000).default(60),
  /**
   * Load a synthetic demo population and a province-wide demo-admin into an empty database at start-up.
   * Default true, except with NODE_ENV=production: false there, and true is refused unless DEMO_SEED_FORCE=true.
   */
  DEMO_SEED: bool.optional(),
  DEMO_SEED_FORCE: bool.default(false),
  DEMO_PERSONS: int(0, 1000000).default(3000),
  /** Extra non-working days (YYYY-MM-DD, comma separated) for review due dates. */
  HOLIDAYS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(z.iso.date('must be dates YYYY-MM-DD separated by commas'))),
  OUTBOX_POLL_MS: int(10, 60000).default(500),
  /**
   * Server processes on one port (issue 11). Default: the number of cores with PostgreSQL, 1 with the embedded
   * database (which is one process; more is refused there).
   */
  WORKERS: int(1, 64).optional(),
  // ---- issue 13: handoff desk
  /** When agents answer handoffs (China time): `mon-fri 08:30-12:00,14:30-17:30` (default) or `always`. */
  HANDOFF_HOURS: z
    .string()
    .default('mon-fri 08:30-12:00,14:30-17:30')
    .superRefine((s, ctx) => {
      try {
        parseServiceHours(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `must be "always" or like "mon-fri 08:30-12:00,14:30-17:30": ${(e as Error).message}` });
      }
    }),
  /** Unclaimed handoffs waiting longer than this (in service hours) are flagged as escalated. */
  HANDOFF_ESCALATE_MINUTES: int(1, 24 * 60).default(10),
  /** Region of a handoff whose resident is not verified, per channel: `web:530100,wechaty:530000`; `*` for any other. */
  HANDOFF_REGIONS: z
    .string()
    .regex(new RegExp(`^\\s*([\\w*-]+:${REGION_CODE_PATTERN})(\\s*,\\s*[\\w*-]+:${REGION_CODE_PATTERN})*\\s*$`), 'must be channel:regionCode pairs separated by commas, e.g. web:530100,*:530000')
    .default('*:530000')
    .transform((s) => Object.fromEntries(s.split(',').map((p) => p.trim().split(':') as [string, string]))),
  SCHEDULER_POLL_MS: int(100, 600000).default(5000),
  /** Progress dispatch (issue 16): how often the rollup job folds registry changes and refreshes today's figures. */
  PROGRESS_JOB_MS: int(1000, 3600000).default(60000),
  // Community workers' campaigns (issue 15).
  /** Where personal campaign links point: <base>/chat?c=<token>. */
  CAMPAIGN_LINK_BASE: z.url('must be a URL').default('http://localhost:3000'),
  CAMPAIGN_LINK_DAYS: int(1, 90).default(14),
  /** Campaign sends per minute per channel account (shared by every process through the database). */
  CAMPAIGN_SMS_PER_MINUTE: int(1, 100000).default(300),
  CAMPAIGN_WECHAT_PER_MINUTE: int(1, 100000).default(20),
  CAMPAIGN_BATCH: int(10, 10000).default(500),
  /** Recipients materialised per statement (SQL only, nothing in the process's memory). */
  CAMPAIGN_MATERIALISE_BATCH: int(10, 200000).default(20000),
  CAMPAIGN_POLL_MS: int(100, 600000).default(5000),
  /** Official-account template message id for reminders outside the 48-hour customer-service window. */
  WECHAT_OA_TEMPLATE_ID: z.string().min(1).optional(),
});

export type Config = Omit<z.infer<typeof configSchema>, 'DEMO_SEED'> & { DEMO_SEED: boolean };

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
  const c = { ...result.data, DEMO_SEED: result.data.DEMO_SEED ?? result.data.NODE_ENV !== 'production' };
  const problems: string[] = [];
  if (c.NODE_ENV === 'production' && c.DEMO_SEED && !c.DEMO_SEED_FORCE)
    problems.push(
      'DEMO_SEED: refused in production (it loads synthetic persons and creates a province-wide demo-admin); ' +
        'create the first admin with `npm run staff -- add`, or set DEMO_SEED_FORCE=true for a demonstration server',
    );
  if (c.NODE_ENV === 'production' && c.ID_HASH_SECRET.startsWith('canbao-development-secret'))
    problems.push('ID_HASH_SECRET: must be set to a secret of your own in production');
  if (c.SMS_GATEWAY === 'http' && !c.SMS_HTTP_URL) problems.push('SMS_HTTP_URL: required when SMS_GATEWAY=http');
  if (problems.length) throw new ConfigError(problems);
  return c;
}
