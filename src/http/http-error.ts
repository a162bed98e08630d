import type { z } from 'zod';

/** An error with an HTTP status and a stable machine-readable code (documented in the OpenAPI document). */
export class HttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Parses with zod or throws a 400 VALIDATION_FAILED naming every bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new HttpError(
      400,
      'VALIDATION_FAILED',
      `Invalid ${where}: ${r.error.issues.map((i) => `${i.path.join('.') || where} ${i.message}`).join('; ')}`,
      r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return r.data;
}
