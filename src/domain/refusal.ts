/**
 * The one shape of a domain refusal: every "no" a service gives (not found, not allowed, wrong state, stale
 * version, a value it cannot take) is `{ ok: false, code }` with a stable code in CAPITALS, a message for staff
 * where the service knows it better than the caller, and details a client may act on. Functions that return
 * a result return it; functions that otherwise return a value or nothing throw it as a {@link RefusalError}.
 * src/http turns a refusal into an HTTP answer through one table (src/http/http-error.ts); the CLIs turn a
 * RefusalError into exit code 2. A thrown plain Error means a bug, never a refusal.
 */
export interface Refusal<C extends string = string> {
  ok: false;
  code: C;
  message?: string;
  details?: Record<string, unknown>;
}

export const refuse = <C extends string>(code: C, message?: string, details?: Record<string, unknown>): Refusal<C> => ({
  ok: false,
  code,
  ...(message !== undefined ? { message } : {}),
  ...(details ? { details } : {}),
});

/** A refusal thrown by a function that has no result to carry it. */
export class RefusalError<C extends string = string> extends Error {
  constructor(
    public readonly code: C,
    message: string,
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RefusalError';
  }
}
