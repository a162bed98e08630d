import pino, { type Logger } from 'pino';
import { redactDeep } from '../domain/codes/masking';

export type { Logger };

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
