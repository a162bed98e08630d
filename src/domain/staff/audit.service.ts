import { AsyncLocalStorage } from 'node:async_hooks';
import type { DbClient } from '../../db/db-client';
import type { Prisma } from '../../generated/prisma/client';

export type AuditActorType = 'STAFF' | 'RESIDENT' | 'SYSTEM' | 'IMPORT';

export interface AuditInput {
  actorType: AuditActorType;
  actorId?: string | null;
  /** Where it came from: api, console, cli, import, a chat channel name. */
  source: string;
  /** What happened, e.g. person.view, person.reveal, person.update, registration.confirm. */
  action: string;
  targetType?: string;
  targetId?: string;
  outcome?: 'OK' | 'DENIED' | 'FAILED';
  details?: Prisma.InputJsonValue;
  at?: Date;
}

/** The staff member acting for a resident (an agent running an assisted conversation), if any. */
export interface ActingAgent {
  id: string;
  username: string;
}
const actingAgent = new AsyncLocalStorage<ActingAgent>();

/**
 * Runs fn with every audit event it records carrying `details.agent = {id, username}`: what a resident does in
 * an assisted conversation is attributed to both the person and the agent (issue 13).
 */
export function withActingAgent<T>(agent: ActingAgent | undefined, fn: () => Promise<T>): Promise<T> {
  return agent ? actingAgent.run(agent, fn) : fn();
}

/** The agent acting in the current call chain (see withActingAgent), if any. */
export function currentActingAgent(): ActingAgent | undefined {
  return actingAgent.getStore();
}

function withAgent(details: Prisma.InputJsonValue | undefined): Prisma.InputJsonValue | undefined {
  const agent = actingAgent.getStore();
  if (!agent) return details;
  const base = details && typeof details === 'object' && !Array.isArray(details) ? details : details === undefined ? {} : { value: details };
  return { ...base, agent: { id: agent.id, username: agent.username } };
}

/** Appends one audit event (the table refuses updates and deletes). */
export async function recordAudit(db: DbClient, e: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      actorType: e.actorType,
      actorId: e.actorId ?? null,
      source: e.source,
      action: e.action,
      targetType: e.targetType ?? null,
      targetId: e.targetId ?? null,
      outcome: e.outcome ?? 'OK',
      details: withAgent(e.details ?? undefined),
      ...(e.at ? { at: e.at } : {}),
    },
  });
}

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Midnight in China (UTC+8) of the day that `at` falls in. */
export const chinaDayStart = (at: Date): Date => new Date(Math.floor((at.getTime() + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS);

/**
 * Records a plain view made by a page refreshing itself (no person opened anything new) only when this actor has
 * no successful view of this action and target yet on this China day: the first view is always audited, the
 * page's polling does not flood the audit (issue 9). Resolves with whether a row was written.
 */
export async function recordRefreshView(db: DbClient, e: AuditInput & { at: Date }): Promise<boolean> {
  const seen = await db.auditEvent.findFirst({
    where: { actorType: e.actorType, actorId: e.actorId ?? null, action: e.action, targetType: e.targetType ?? null, targetId: e.targetId ?? null, outcome: 'OK', at: { gte: chinaDayStart(e.at) } },
    select: { id: true },
  });
  if (seen) return false;
  await recordAudit(db, e);
  return true;
}
