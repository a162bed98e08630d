import { type Request, Router } from 'express';
import { z } from 'zod';
import {
  batchApprove,
  CHANGE_REQUEST_KINDS,
  CHANGE_REQUEST_STATUSES,
  getRequest,
  listRequests,
  REVIEW_ACTION_NAMES,
  REVIEW_ACTIONS,
  type ReviewAction,
  type ReviewActionName,
  type ReviewActor,
  type ReviewEnv,
  type ReviewFailure,
  reviewStats,
} from '../domain/review';
import { REGION_CODE_RE } from '../domain/vocabulary';
import type { AppDeps } from './create-app';
import { HttpError, httpErrorOf, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

// ---------------------------------------------------------------- schemas

const StatusEnum = z.enum(CHANGE_REQUEST_STATUSES);
const KindEnum = z.enum(CHANGE_REQUEST_KINDS);
const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

export const ReviewListQuery = z.object({
  status: z
    .string()
    .regex(/^(open|all|[A-Z_]+(,[A-Z_]+)*)$/, 'must be open, all, or statuses separated by commas')
    .optional()
    .transform((s, ctx) => {
      if (!s || s === 'open') return undefined;
      if (s === 'all') return [...CHANGE_REQUEST_STATUSES];
      const out = s.split(',');
      for (const v of out) {
        if (!(CHANGE_REQUEST_STATUSES as readonly string[]).includes(v)) {
          ctx.addIssue({ code: 'custom', message: `unknown status ${v}` });
          return z.NEVER;
        }
      }
      return out as z.infer<typeof StatusEnum>[];
    })
    .openapi({ description: 'PENDING, NEEDS_INFO, APPROVED, REJECTED (comma separated), open (default: PENDING,NEEDS_INFO) or all' }),
  kind: KindEnum.optional(),
  region: z
    .string()
    .regex(REGION_CODE_RE, 'must be a region code of 6, 9 or 12 digits')
    .optional()
    .openapi({ description: 'Only this region and below (must overlap your area)', example: '530102' }),
  overdue: booleanQuery.openapi({ description: 'Only PENDING requests past their due time' }),
  q: z.string().trim().max(64).optional().openapi({ description: 'A reference (or its beginning) or a full ID number' }),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).optional().openapi({ description: 'Page size (default 50)' }),
});

const IdParams = z.object({ id: z.uuid().openapi({ description: 'Change request id' }) });
const DetailQuery = z.object({
  reveal: booleanQuery.openapi({ description: 'Unmasked values (needs person.reveal; audited as review.reveal and person.reveal)' }),
});
const BatchBody = z
  .object({
    ids: z.array(z.uuid()).min(1).max(100),
    versions: z.array(z.number().int().min(0)).min(1).max(100),
  })
  .strict()
  .refine((b) => b.ids.length === b.versions.length, { message: 'ids and versions must have the same length', path: ['versions'] })
  .refine((b) => new Set(b.ids).size === b.ids.length, { message: 'ids must be distinct', path: ['ids'] })
  .openapi('BatchApproveRequest');

const RegionRef = z.object({ code: z.string(), name: z.string().nullable() });
const ReviewItem = z
  .object({
    id: z.string(),
    reference: z.string().openapi({ example: 'CR-7K4M-2Q9X' }),
    kind: KindEnum,
    status: StatusEnum,
    fields: z.array(z.string()),
    version: z.number().int(),
    subject: z.object({
      name: z.string().nullable().openapi({ example: '张*' }),
      idNumber: z.string().nullable().openapi({ example: '530102********1238' }),
    }),
    region: RegionRef.nullable(),
    channel: z.string(),
    createdAt: z.string(),
    dueAt: z.string().openapi({ description: '24:00 China time of the 3rd working day after submission' }),
    ageHours: z.number().int(),
    ageWorkingDays: z.number().int(),
    overdue: z.boolean(),
    overdueWorkingDays: z.number().int().openapi({ description: 'Working days past the last due day (0 unless overdue)' }),
    claimedBy: z.string().nullable(),
    claimedAt: z.string().nullable(),
    firstApprovalBy: z.string().nullable(),
    firstApprovalAt: z.string().nullable(),
    needsFourEyes: z.boolean(),
    lowRisk: z.boolean(),
    submittedByStaff: z.string().nullable(),
    agent: z.object({ id: z.string(), username: z.string() }).nullable().openapi({ description: 'The agent who submitted it for a caller (channel assisted)' }),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .openapi('ReviewItem');
const ReviewPage = z.object({ items: z.array(ReviewItem), nextCursor: z.string().nullable() }).openapi('ReviewPage');
const Check = z
  .object({
    code: z.string(),
    severity: z.enum(['error', 'conflict', 'warning', 'info']),
    field: z.string().optional(),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .openapi('ReviewCheck');
const MergeSideSchema = z.object({
  id: z.string(),
  idNumber: z.string(),
  name: z.string(),
  sex: z.string().nullable(),
  birthDate: z.string().nullable(),
  regionCode: z.string().nullable(),
  registrationStatus: z.string(),
  mergedIntoId: z.string().nullable(),
  enrolments: z.array(z.object({ insuranceType: z.string(), status: z.string(), firstEnrolled: z.string().nullable(), lastPaidMonth: z.string().nullable() })),
});
const MergeViewSchema = z
  .object({ reason: z.string().openapi({ description: 'ID15_TO_18, CORRECTED_NUMBER or STAFF' }), survivor: MergeSideSchema.nullable(), merged: MergeSideSchema.nullable() })
  .openapi('MergeView');
const ReviewDetail = ReviewItem.extend({
  revealed: z.boolean(),
  person: z
    .object({ id: z.string(), idNumber: z.string(), name: z.string(), registrationStatus: z.string(), region: RegionRef.nullable() })
    .nullable(),
  householdId: z.string().nullable(),
  diff: z.array(
    z.object({
      field: z.string(),
      atSubmission: z.string().nullable(),
      onRecord: z.string().nullable(),
      proposed: z.string().nullable(),
      changedSinceSubmission: z.boolean(),
    }),
  ),
  evidence: z.string().nullable(),
  question: z.string().nullable(),
  answer: z.string().nullable(),
  decisionReason: z.string().nullable(),
  checks: z.array(Check),
  checksAsOf: z.enum(['live', 'decision', 'unknown']).openapi({ description: 'live while open; a closed request shows the checks stored with its decision' }),
  conversation: z
    .object({
      channel: z.string(),
      messages: z.array(z.object({ direction: z.enum(['in', 'out']), text: z.string(), at: z.string(), choice: z.string().optional().openapi({ description: 'The option a numeric answer chose' }) })),
    })
    .nullable()
    .openapi({ description: 'The conversation up to the submission' }),
  history: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      action: z.string(),
      outcome: z.string(),
      actorType: z.string(),
      actorUsername: z.string().nullable(),
      source: z.string(),
      details: z.unknown(),
      count: z.number().int().optional().openapi({ description: 'Plain views folded into this row (same person, same day)' }),
    }),
  ),
  actions: z.object({
    claim: z.boolean(),
    release: z.boolean(),
    approve: z.boolean(),
    reject: z.boolean(),
    ask: z.boolean(),
    answer: z.boolean(),
    needsForce: z.boolean(),
  }),
  merge: MergeViewSchema.nullable().openapi({ description: 'MERGE requests: both persons side by side with their enrolments' }),
}).openapi('ReviewDetail');
const DecisionResponse = z
  .object({ request: ReviewItem, result: z.record(z.string(), z.unknown()) })
  .openapi('ReviewDecision', { description: 'The request after the change, and what happened (e.g. outcome APPROVED or FIRST_APPROVAL)' });
const BatchResponse = z
  .object({
    results: z.array(z.object({ id: z.string(), ok: z.boolean(), code: z.string(), message: z.string().optional(), version: z.number().int().optional() })),
  })
  .openapi('BatchApproveResult');
const Counts = <T extends readonly [string, ...string[]]>(keys: T) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()])) as { [K in T[number]]: z.ZodNumber });
const StatsResponse = z
  .object({
    scope: RegionRef,
    total: z.number().int(),
    open: z.number().int(),
    overdue: z.number().int(),
    byStatus: Counts(CHANGE_REQUEST_STATUSES),
    byKind: Counts(CHANGE_REQUEST_KINDS),
    byPrefecture: z.array(
      z.object({ region: RegionRef, total: z.number().int(), open: z.number().int(), overdue: z.number().int(), decided: z.number().int() }),
    ),
    decidedSince: z.string().openapi({ description: 'APPROVED and REJECTED count requests decided since then' }),
  })
  .openapi('ReviewStats');
const StatsQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).optional().openapi({ description: 'Window for decided requests, in days (default 30)' }),
});

/** The OpenAPI words of each decision of REVIEW_ACTIONS (the table the console shares). */
const DECISION_DOCS: Record<ReviewActionName, { summary: string; description: string; schema?: string; errors?: number[] }> = {
  claim: { summary: 'Take a request to work on it', description: 'Others cannot decide it until it is released. Version optional.' },
  release: { summary: 'Give a claimed request back', description: 'Its claimer or an admin. Version optional.' },
  approve: {
    summary: 'Approve a request',
    description:
      'Applies the change (or records the first of two approvals for an ID number or name). 409 VERSION_CONFLICT when the version ' +
      'changed, 409 FORCE_REQUIRED when the record changed since submission (send force: true), 422 CHECKS_FAILED, 403 ' +
      'SELF_SUBMITTED / SAME_REVIEWER (four eyes), 428 without a version.',
    schema: 'ApproveRequest',
    errors: [422, 428],
  },
  reject: { summary: 'Reject a request with a reason (the resident is told)', description: '428 without a version.', schema: 'RejectRequest', errors: [428] },
  ask: { summary: 'Ask the resident a question in their chat (NEEDS_INFO)', description: '428 without a version.', schema: 'AskResident', errors: [428] },
  answer: {
    summary: "Record the resident's answer (taken by phone or at the counter) and put the request back in the queue",
    description: 'Staff of the area (review.view). New due date: 3 working days from now. 428 without a version.',
    schema: 'RecordAnswer',
    errors: [428],
  },
};

// ---------------------------------------------------------------- helpers

/** The HTTP error for a refusal of the review service. */
export const reviewHttpError = (f: ReviewFailure): HttpError => httpErrorOf(f);

/** The version from If-Match ("3", W/"3" or 3) or the body; the header wins. */
export function versionOf(req: Request, body: { version?: number | undefined }): number | undefined {
  const header = req.get('if-match');
  if (header !== undefined) {
    const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
    if (!m?.[1]) throw new HttpError(400, 'VALIDATION_FAILED', 'If-Match must be the version number, e.g. "3".');
    return Number(m[1]);
  }
  return body.version;
}

function requiredVersion(req: Request, body: { version?: number | undefined }): number {
  const v = versionOf(req, body);
  if (v === undefined) {
    throw new HttpError(428, 'VERSION_REQUIRED', 'Send the version you saw: If-Match: "<version>" or "version" in the body.');
  }
  return v;
}

/** The review service's environment from the app's deps. */
export function reviewEnvOf(deps: AppDeps): ReviewEnv {
  return { db: deps.prisma, clock: deps.clock, i18n: deps.i18n, holidays: deps.config.HOLIDAYS, ...(deps.onOutbox ? { onOutbox: deps.onOutbox } : {}) };
}

// ---------------------------------------------------------------- router

/** The staff review queue: list, detail, claim/release, approve/reject/ask, answer, batch approve, stats. */
export function createReviewRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const env = reviewEnvOf(deps);
  const auth = requireStaff(deps);
  const view = requirePermission('review.view');
  const decide = requirePermission('review.decide');
  const actor = (req: Request): ReviewActor => ({ principal: staffOf(req), source: 'api' });
  const noStore = (res: { setHeader(n: string, v: string): unknown }) => res.setHeader('Cache-Control', 'no-store');

  const secured = { tags: ['review'], security: [{ bearer: [] }] };

  registry.registerPath({
    ...secured,
    method: 'get',
    path: '/api/review/requests',
    summary: 'The review queue of your area, oldest first (masked)',
    description:
      'Region-scoped: only requests whose region lies in your area. A region filter outside your area answers 403 OUT_OF_SCOPE. ' +
      'Audited as review.list.',
    request: { query: ReviewListQuery },
    responses: { 200: { description: 'A page', content: { 'application/json': { schema: ReviewPage } } }, ...errorResponses(400, 401, 403) },
  });
  router.get('/api/review/requests', auth, view, async (req, res) => {
    const q = parseOr400(ReviewListQuery, req.query, 'query');
    const r = await listRequests(env, actor(req), {
      ...(q.status ? { status: q.status } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.region ? { region: q.region } : {}),
      ...(q.overdue ? { overdue: true } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    if (!r.ok) throw reviewHttpError(r);
    noStore(res);
    res.json({ items: r.items, nextCursor: r.nextCursor } satisfies z.infer<typeof ReviewPage>);
  });

  registry.registerPath({
    ...secured,
    method: 'get',
    path: '/api/review/stats',
    summary: 'Counts of your area by status, kind, prefecture and overdue',
    description:
      'Every open request (PENDING, NEEDS_INFO) of your area, and the requests decided in the last `days` days (default 30). ' +
      'Audited as review.stats.',
    request: { query: StatsQuery },
    responses: { 200: { description: 'Counts', content: { 'application/json': { schema: StatsResponse } } }, ...errorResponses(401, 403) },
  });
  router.get('/api/review/stats', auth, view, async (req, res) => {
    const { days } = parseOr400(StatsQuery, req.query, 'query');
    const r = await reviewStats(env, actor(req), days ? { days } : {});
    if (!r.ok) throw reviewHttpError(r);
    noStore(res);
    res.json(r.stats satisfies z.infer<typeof StatsResponse>);
  });

  registry.registerPath({
    ...secured,
    method: 'post',
    path: '/api/review/requests/batch-approve',
    summary: 'Approve several low-risk requests (address changes) at once',
    description:
      'Each request is decided on its own: a kind or field outside the low-risk list (NOT_LOW_RISK), checks with a warning or ' +
      'conflict (NEEDS_INDIVIDUAL_REVIEW), a stale version (VERSION_CONFLICT) or any other refusal is reported per item.',
    request: { body: { content: { 'application/json': { schema: BatchBody } } } },
    responses: { 200: { description: 'Per-item results', content: { 'application/json': { schema: BatchResponse } } }, ...errorResponses(400, 401, 403) },
  });
  router.post('/api/review/requests/batch-approve', auth, decide, async (req, res) => {
    const body = parseOr400(BatchBody, req.body);
    const results = await batchApprove(env, actor(req), body.ids.map((id, i) => ({ id, version: body.versions[i] ?? -1 })));
    noStore(res);
    res.json({ results } satisfies z.infer<typeof BatchResponse>);
  });

  registry.registerPath({
    ...secured,
    method: 'get',
    path: '/api/review/requests/{id}',
    summary: 'One request: values side by side, checks, evidence, conversation excerpt, history',
    description: 'Outside your area it answers 404 like a missing request (audited DENIED). ETag is the version. Audited as review.view.',
    request: { params: IdParams, query: DetailQuery },
    responses: { 200: { description: 'The request', content: { 'application/json': { schema: ReviewDetail } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.get('/api/review/requests/:id', auth, view, async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    const { reveal } = parseOr400(DetailQuery, req.query, 'query');
    const r = await getRequest(env, actor(req), id, { reveal });
    if (!r.ok) throw reviewHttpError(r);
    noStore(res);
    res.setHeader('ETag', `"${r.detail.version}"`);
    res.json(r.detail satisfies z.infer<typeof ReviewDetail>);
  });

  for (const name of REVIEW_ACTION_NAMES) {
    const action = REVIEW_ACTIONS[name] as ReviewAction<{ version?: number | undefined }>;
    const doc = DECISION_DOCS[name];
    registry.registerPath({
      ...secured,
      method: 'post',
      path: `/api/review/requests/{id}/${name}`,
      summary: doc.summary,
      description: doc.description,
      request: {
        params: IdParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: { content: { 'application/json': { schema: doc.schema ? action.input.extend({}).openapi(doc.schema) : action.input } } },
      },
      responses: {
        200: { description: 'Done', content: { 'application/json': { schema: DecisionResponse } } },
        ...errorResponses(400, 401, 403, 404, 409, ...(doc.errors ?? [])),
      },
    });
    router.post(`/api/review/requests/:id/${name}`, auth, requirePermission(action.permission), async (req, res) => {
      const { id } = parseOr400(IdParams, req.params, 'path');
      const body = parseOr400(action.input, req.body ?? {});
      const r = await action.run(env, actor(req), id, action.versionRequired ? requiredVersion(req, body) : versionOf(req, body), body);
      if (!r.ok) throw reviewHttpError(r);
      noStore(res);
      res.setHeader('ETag', `"${r.request.version}"`);
      res.json({ request: r.request, result: r.result as Record<string, unknown> } satisfies z.infer<typeof DecisionResponse>);
    });
  }

  return router;
}
