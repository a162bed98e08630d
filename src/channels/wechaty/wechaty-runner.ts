import QRCode from 'qrcode';
import type { Contact, Wechaty, WechatyPlugin } from 'wechaty';
// The enums only (the same module wechaty re-exports as `types`): importing wechaty itself costs ~75 MB of RSS.
import * as types from 'wechaty-puppet/types';
import type { Logger } from '../../lib/logger';

export type WechatyState = 'stopped' | 'starting' | 'scanning' | 'logged-in' | 'logged-out' | 'error';

/** What a console page shows about the Wechaty login (kept in memory only). */
export interface WechatyStatus {
  state: WechatyState;
  /** When the state last changed. */
  since: Date;
  /** The login QR code's value (a login URL) while waiting for a scan. Never logged. */
  qrCode?: string;
  qrStatus?: string;
  /** The logged-in account. */
  user?: { id: string; name: string };
  lastError?: string;
  lastErrorAt?: Date;
  /** How often the bot was restarted after an error. */
  restarts: number;
}

export interface WechatyRunnerOptions {
  /** Builds a fresh bot (a restart builds a new one). */
  build: () => Wechaty;
  /** Canbao (or anything else) mounted on every bot the runner builds. */
  plugin: WechatyPlugin;
  logger: Logger;
  /** Where the login QR code is drawn (a terminal); default stdout. */
  print?: (text: string) => void;
  /** Restart delays: initialMs, doubled per failed attempt up to maxMs; reset by a login. */
  backoff?: { initialMs: number; maxMs: number };
  /** After an error event, the bot is restarted unless it is logged in or waiting for a scan this much later. */
  errorGraceMs?: number;
}

const SCAN_NAMES: Record<number, string> = {
  [types.ScanStatus.Unknown]: 'unknown',
  [types.ScanStatus.Cancel]: 'cancel',
  [types.ScanStatus.Waiting]: 'waiting',
  [types.ScanStatus.Scanned]: 'scanned',
  [types.ScanStatus.Confirmed]: 'confirmed',
  [types.ScanStatus.Timeout]: 'timeout',
};

/**
 * Runs the Wechaty bot: starts it with the Canbao plugin, draws the login QR code on the terminal and keeps
 * it in `status` for a console page, logs login, logout and errors, and restarts the bot with exponential
 * backoff when it fails to start or stays broken after an error.
 */
export class WechatyRunner {
  private bot: Wechaty | undefined;
  private uninstall: (() => void) | undefined;
  private detachListeners: (() => void) | undefined;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly current: WechatyStatus = { state: 'stopped', since: new Date(), restarts: 0 };
  private readonly log: Logger;

  constructor(private readonly opts: WechatyRunnerOptions) {
    this.log = opts.logger.child({ channel: 'wechaty' });
  }

  /** A copy of the current status. */
  get status(): WechatyStatus {
    return { ...this.current, ...(this.current.user ? { user: { ...this.current.user } } : {}) };
  }

  /** Starts the bot. Resolves once the first start attempt finished (a failure schedules a restart). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.launch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.teardown();
    this.setState('stopped');
  }

  private setState(state: WechatyState): void {
    if (this.current.state !== state) {
      this.current.state = state;
      this.current.since = new Date();
    }
    if (state !== 'scanning') {
      delete this.current.qrCode;
      delete this.current.qrStatus;
    }
  }

  private async launch(): Promise<void> {
    this.setState('starting');
    let bot: Wechaty;
    try {
      bot = this.opts.build();
    } catch (err) {
      this.fail(err);
      return;
    }
    this.bot = bot;
    const onScan = (qrCode: string, status: types.ScanStatus) => this.onScan(bot, qrCode, status);
    const onLogin = (user: Contact) => {
      if (this.bot !== bot) return;
      this.attempt = 0;
      this.current.user = { id: user.id, name: user.name() };
      this.setState('logged-in');
      this.log.info({ userId: user.id }, 'wechaty logged in');
    };
    const onLogout = (user: Contact, reason?: string) => {
      if (this.bot !== bot) return;
      delete this.current.user;
      this.setState('logged-out');
      this.log.warn({ userId: user.id, reason }, 'wechaty logged out');
    };
    const onError = (err: Error) => this.onError(bot, err);
    bot.on('scan', onScan);
    bot.on('login', onLogin);
    bot.on('logout', onLogout);
    bot.on('error', onError);
    this.detachListeners = () => {
      bot.off('scan', onScan);
      bot.off('login', onLogin);
      bot.off('logout', onLogout);
      bot.off('error', onError);
    };
    this.uninstall = bot.use(this.opts.plugin);
    try {
      await bot.start();
      this.log.info('wechaty started');
    } catch (err) {
      if (this.bot === bot) this.fail(err);
    }
  }

  private onScan(bot: Wechaty, qrCode: string, status: types.ScanStatus): void {
    if (this.bot !== bot) return;
    const name = SCAN_NAMES[status] ?? String(status);
    this.setState('scanning');
    this.current.qrStatus = name;
    this.log.info({ scanStatus: name }, 'wechaty waiting for a login scan');
    if (status !== types.ScanStatus.Waiting && status !== types.ScanStatus.Timeout) return;
    this.current.qrCode = qrCode;
    const print = this.opts.print ?? ((t: string) => void process.stdout.write(t));
    QRCode.toString(qrCode, { type: 'terminal', small: true })
      .then((art) => print(`\n${art}\nScan with WeChat to log in the Canbao bot, or open: ${qrCode}\n\n`))
      .catch(() => print(`\nScan to log in the Canbao bot: ${qrCode}\n\n`));
  }

  private onError(bot: Wechaty, err: Error): void {
    if (this.bot !== bot) return;
    this.current.lastError = err?.message ?? String(err);
    this.current.lastErrorAt = new Date();
    this.log.error({ err }, 'wechaty error');
    setTimeout(() => {
      if (this.bot !== bot || this.stopped) return;
      if (bot.isLoggedIn || this.current.state === 'scanning') return;
      this.fail(err);
    }, this.opts.errorGraceMs ?? 5_000).unref();
  }

  private fail(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.current.lastError = e.message;
    this.current.lastErrorAt = new Date();
    this.setState('error');
    if (this.stopped || this.restartTimer) return;
    const { initialMs, maxMs } = this.opts.backoff ?? { initialMs: 2_000, maxMs: 300_000 };
    const delay = Math.min(maxMs, initialMs * 2 ** this.attempt);
    this.attempt++;
    this.log.error({ err: e, restartInMs: delay }, 'wechaty failed; restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void (async () => {
        await this.teardown();
        if (this.stopped) return;
        this.current.restarts++;
        await this.launch();
      })();
    }, delay);
  }

  private async teardown(): Promise<void> {
    const bot = this.bot;
    const uninstall = this.uninstall;
    const detach = this.detachListeners;
    this.bot = undefined;
    this.uninstall = undefined;
    this.detachListeners = undefined;
    delete this.current.user;
    if (!bot) return;
    uninstall?.();
    try {
      await bot.stop();
    } catch (err) {
      this.log.warn({ err }, 'wechaty stop failed');
    }
    detach?.();
  }
}
