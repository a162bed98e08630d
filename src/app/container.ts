import type { Router } from 'express';
import { WebChatHub } from '../channels/web/web-chat-hub';
import { ConversationEngine } from '../conversation/engine';
import { HandoffDesk } from '../conversation/handoff-desk';
import { createHandoffGate } from '../conversation/handoff-gate';
import { HandoffBus } from '../domain/handoff/handoff-bus';
import { parseServiceHours } from '../domain/handoff/service-hours';
import { assistedSender, createAssistedRouter } from '../http/assisted.router';
import { createDeskConsoleRouter } from '../http/console/desk.router';
import { createHandoffRouter } from '../http/handoff.router';
import { OutboxDispatcher } from '../conversation/outbox-dispatcher';
import { residentFlowBinding } from '../conversation/resident-ports';
import { Scheduler } from '../conversation/scheduler';
import type { OpenDatabase } from '../db/open-database';
import { ProgressJob } from '../domain/progress/progress.job';
import type { SmsPost } from '../channels/sms/sms-campaign-sender';
import type { SmsSender } from '../domain/verification/verification.service';
import { createChatRouter } from '../http/chat.router';
import { createApp, type AppDeps } from '../http/create-app';
import type { OpenAPIRegistry } from '../http/openapi';
import { systemClock, type Clock } from '../lib/clock';
import { createI18n } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import { createCampaignRuntime } from './campaigns';
import type { Config } from './config';
import { DevSmsGateway, HttpSmsGateway, SmsOutboxSender } from './sms-gateway';

export interface ContainerOptions {
  config: Config;
  db: OpenDatabase;
  logger: Logger;
  clock?: Clock;
  sms?: SmsSender;
  /** Campaign SMS gateway (tests); default from SMS_GATEWAY. */
  smsPost?: SmsPost;
  /** Routers beyond the chat API (staff API, console). */
  extraRouters?: ((deps: AppDeps, registry: OpenAPIRegistry) => Router)[];
}

/** Builds every concrete thing from config: the only place that does (docs/architecture.md, the composition root). */
export function createContainer(opts: ContainerOptions) {
  const { config, db, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const i18n = createI18n(config.DEFAULT_LOCALE);
  const sms =
    opts.sms ?? (config.SMS_GATEWAY === 'http' && config.SMS_HTTP_URL ? new HttpSmsGateway(config.SMS_HTTP_URL, config.SMS_HTTP_TOKEN) : new DevSmsGateway(logger));
  // issue 13: the handoff desk (service hours, live signals to agents)
  const handoffHours = parseServiceHours(config.HANDOFF_HOURS, config.HOLIDAYS);
  const handoffBus = new HandoffBus();
  const dispatcher = new OutboxDispatcher(db.prisma, clock, logger, { pollMs: config.OUTBOX_POLL_MS });
  const hub = new WebChatHub();
  const engine = new ConversationEngine({
    prisma: db.prisma,
    i18n,
    clock,
    logger,
    defaultLocale: config.DEFAULT_LOCALE,
    idleMinutes: config.SESSION_IDLE_MINUTES,
    // Two connections stay free of turns for staff requests and the background loops (issue 11).
    maxConcurrentTurns: Math.max(1, db.poolSize - 2),
    onOutbox: () => void dispatcher.kick(),
    onTranscript: (channel, endpoint) => channel === hub.channel && hub.wake(endpoint),
    handoff: createHandoffGate({ hours: handoffHours, bus: handoffBus, i18n }),
    flow: residentFlowBinding({
      i18n,
      handoffRegions: config.HANDOFF_REGIONS,
      bindingDays: config.BINDING_DAYS,
      holidays: config.HOLIDAYS,
      verification: {
        method: config.VERIFY_METHOD,
        secret: config.ID_HASH_SECRET,
        maxFailures: config.VERIFY_MAX_FAILURES,
        lockHours: config.VERIFY_LOCK_HOURS,
        failureFloorMs: config.VERIFY_FAILURE_FLOOR_MS ?? (config.NODE_ENV === 'test' ? 20 : 250),
        otpTtlMinutes: 5,
      },
    }),
  });
  const handoffDesk = new HandoffDesk({ prisma: db.prisma, engine, bus: handoffBus, clock, hours: handoffHours, escalateMinutes: config.HANDOFF_ESCALATE_MINUTES });
  dispatcher.register(hub);
  dispatcher.register(new SmsOutboxSender(sms));
  dispatcher.register(assistedSender);
  // Community workers' campaigns (issue 15): the campaign dispatcher and its own batched SMS outbox (channel sms).
  const campaigns = createCampaignRuntime({ config, prisma: db.prisma, i18n, clock, logger, ...(opts.smsPost ? { smsPost: opts.smsPost } : {}) });
  const scheduler = new Scheduler(db.prisma, engine, clock, logger, { pollMs: config.SCHEDULER_POLL_MS, retentionDays: config.TRANSCRIPT_RETENTION_DAYS });
  // Progress dispatch (issue 16): the rollup job.
  const progressJob = new ProgressJob(db.prisma, clock, logger, config.PROGRESS_JOB_MS);
  const appDeps: AppDeps = {
    prisma: db.prisma,
    config,
    logger,
    i18n,
    clock,
    onOutbox: () => void dispatcher.kick(),
    routers: [createChatRouter({ engine, hub }), createHandoffRouter({ desk: handoffDesk, bus: handoffBus }),
      createAssistedRouter({ engine }),
      createDeskConsoleRouter({ desk: handoffDesk, bus: handoffBus, engine }), ...(opts.extraRouters ?? [])],
  };
  const app = createApp(appDeps);
  return {
    config,
    db,
    logger,
    clock,
    i18n,
    engine,
    dispatcher,
    scheduler,
    progressJob,
    campaigns,
    hub,
    handoffBus,
    handoffDesk,
    sms,
    app,
    appDeps,
    /** Starts the background loops (outbox dispatch, timers). */
    startBackground() {
      dispatcher.start();
      scheduler.start();
      progressJob.start();
      campaigns.start();
    },
    async stop() {
      scheduler.stop();
      await progressJob.stop();
      await campaigns.stop();
      await dispatcher.stop();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
