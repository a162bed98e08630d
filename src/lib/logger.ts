import pino, { type Logger } from 'pino';
import { redactSensitive } from '../domain/codes/masking';

export type { Logger };

function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSensitive(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Error) return { type: value.name, message: redactSensitive(value.message), stack: redactSensitive(value.stack ?? '') };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, depth + 1)]));
}

/**
 * Structured JSON logs in which every string (message and fields) passes through redactSensitive, so a
 * full ID number or phone never reaches a log line, whoever wrote the call.
 */
export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => redactDeep(a)) as Parameters<typeof method>);
        },
      },
    },
    opts.destination,
  );
}
