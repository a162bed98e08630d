/** Time a file's shared set-up may take on a loaded machine (a database, an app, servers, Chromium). */
export const SUITE_SETUP_TIMEOUT_MS = 180_000;

type Close = () => Promise<unknown> | unknown;

/**
 * What a test file's set-up has started (databases, servers, browsers), closed last first. Something started
 * after closeAll() (a set-up that outlived its timed-out beforeAll) is closed at once, so nothing stays open.
 */
export class SuiteResources {
  private readonly open: Close[] = [];
  private closed = false;

  /** Registers `resource` to be closed by `close` (by default its own close()); returns it. */
  track<R extends { close(): unknown }>(resource: R): R;
  track<R>(resource: R, close: (resource: R) => unknown): R;
  track<R>(resource: R, close: (resource: R) => unknown = (r) => (r as { close(): unknown }).close()): R {
    const closeIt = () => close(resource);
    if (this.closed) void Promise.resolve().then(closeIt).catch(() => undefined);
    else this.open.push(closeIt);
    return resource;
  }

  /** Closes everything tracked, last first, and everything tracked from now on as it comes. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const errors: unknown[] = [];
    for (const close of this.open.splice(0).reverse()) {
      try {
        await close();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }
}

/** A SuiteResources closed by this file's afterAll. */
export function suiteResources(): SuiteResources {
  const resources = new SuiteResources();
  afterAll(() => resources.closeAll(), SUITE_SETUP_TIMEOUT_MS);
  return resources;
}
