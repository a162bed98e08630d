import { z } from 'zod';
import type { Permission } from '../staff/staff.service';
import { approveRequest } from './approve';
import { askResident, claimRequest, type MutationResult, rejectRequest, releaseRequest } from './decide';
import { recordAnswer } from './questions';
import type { ReviewActor, ReviewEnv, ReviewFailure } from './shared';

/**
 * The decisions on one request as one table, shared by the staff API and the console: who may take it, what
 * it needs besides the version (checked with zod), whether the version is required, and the service call.
 */
export interface ReviewAction<I> {
  permission: Permission;
  /** Without a version the decision is refused (claim and release work on the current one). */
  versionRequired: boolean;
  input: z.ZodObject<z.ZodRawShape, z.core.$strict> & z.ZodType<I>;
  run(env: ReviewEnv, actor: ReviewActor, id: string, version: number | undefined, input: I): Promise<MutationResult<object> | ReviewFailure>;
}

const action = <I>(a: ReviewAction<I>) => a;
const text = (max: number) => z.string().trim().min(1).max(max);
/** The version the staff member saw (the API also takes it from If-Match). */
const version = z.number().int().min(0).optional();
/** A decision's input: the version and what the decision needs; nothing else. */
const body = <S extends z.ZodRawShape>(shape: S) => z.object({ version, ...shape }).strict();

export const REVIEW_ACTIONS = {
  claim: action({ permission: 'review.decide', versionRequired: false, input: body({}), run: (env, actor, id, version) => claimRequest(env, actor, id, version) }),
  release: action({ permission: 'review.decide', versionRequired: false, input: body({}), run: (env, actor, id, version) => releaseRequest(env, actor, id, version) }),
  approve: action({
    permission: 'review.decide',
    versionRequired: true,
    input: body({ force: z.boolean().optional() }),
    run: (env, actor, id, version, b) => approveRequest(env, actor, id, { version: version ?? 0, force: b.force === true }),
  }),
  reject: action({
    permission: 'review.decide',
    versionRequired: true,
    input: body({ reason: text(500) }),
    run: (env, actor, id, version, b) => rejectRequest(env, actor, id, { version: version ?? 0, reason: b.reason }),
  }),
  ask: action({
    permission: 'review.decide',
    versionRequired: true,
    input: body({ question: text(500) }),
    run: (env, actor, id, version, b) => askResident(env, actor, id, { version: version ?? 0, question: b.question }),
  }),
  answer: action({
    permission: 'review.view',
    versionRequired: true,
    input: body({ answer: text(1000) }),
    run: (env, actor, id, version, b) => recordAnswer(env, actor, id, { version: version ?? 0, answer: b.answer }),
  }),
};

export type ReviewActionName = keyof typeof REVIEW_ACTIONS;
export const REVIEW_ACTION_NAMES = Object.keys(REVIEW_ACTIONS) as ReviewActionName[];
export const isReviewActionName = (v: string): v is ReviewActionName => Object.hasOwn(REVIEW_ACTIONS, v);
