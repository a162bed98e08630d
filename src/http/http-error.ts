import type { z } from 'zod';
import type { Refusal } from '../domain/refusal';

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

/**
 * The HTTP status of every domain refusal code (src/domain/refusal.ts), in one table: 404 for what is missing
 * or outside the caller's region, 403 for who may do what, 409 for a state or version that does not allow it,
 * 422 for a request the checks refuse, 400 for a value that cannot be taken. A code not listed answers 400.
 */
const STATUS_OF_REFUSAL: Record<string, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  OUT_OF_SCOPE: 403,
  SELF_SUBMITTED: 403,
  SAME_REVIEWER: 403,
  BAD_CURSOR: 400,
  VALIDATION_FAILED: 400,
  INVALID_ID_NUMBER: 400,
  VERSION_CONFLICT: 409,
  INVALID_STATE: 409,
  CLAIMED_BY_OTHER: 409,
  NOT_CLAIMED_BY_YOU: 409,
  FORCE_REQUIRED: 409,
  ALREADY_TAKEN: 409,
  ALREADY_CLOSED: 409,
  ALREADY_MERGED: 409,
  CLOSED: 409,
  NOT_VERIFIED: 409,
  USERNAME_TAKEN: 409,
  CHECKS_FAILED: 422,
  NOT_LOW_RISK: 422,
  NEEDS_INDIVIDUAL_REVIEW: 422,
};

/** The HTTP error for a domain refusal; `message` is used when the refusal carries none. */
export function httpErrorOf(r: Pick<Refusal, 'code' | 'message' | 'details'>, message?: string): HttpError {
  return new HttpError(STATUS_OF_REFUSAL[r.code] ?? 400, r.code, r.message ?? message ?? r.code, r.details);
}

/** The version a staff member saw: If-Match: "<version>" or "version" in the body (428 without either). */
export function versionOf(req: { get(name: string): string | undefined }, body: { version?: number | undefined }): number {
  const header = req.get('if-match');
  if (header !== undefined) {
    const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
    if (!m?.[1]) throw new HttpError(400, 'VALIDATION_FAILED', 'If-Match must be the version number, e.g. "3".');
    return Number(m[1]);
  }
  if (body.version === undefined) throw new HttpError(428, 'VERSION_REQUIRED', 'Send the version you saw: If-Match: "<version>" or "version" in the body.');
  return body.version;
}
