import { Router } from 'express';
import { z } from 'zod';
import { type PersonLookupFailure, personAuditTrail, viewPerson } from '../domain/registry/person-view.service';
import type { AppDeps } from './create-app';
import { type HttpError, httpErrorOf, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

const IdNumberParams = z.object({
  idNumber: z
    .string()
    .min(1)
    .max(64)
    .openapi({ description: 'Citizen ID number (18 characters, or a legacy 15-digit number)', example: '530102199003071238' }),
});

const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const PersonQuery = z.object({
  reveal: booleanQuery.openapi({ description: 'Show full values (needs person.reveal; audited as person.reveal)' }),
});

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional().openapi({ description: 'Page size (default 100)' }),
  before: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional()
    .openapi({ description: 'Only events with a smaller id (the last id of the previous page)' }),
});

const RegionRef = z.object({ code: z.string(), name: z.string().nullable() });

export const PersonViewResponse = z
  .object({
    revealed: z.boolean(),
    person: z.object({
      idNumber: z.string().openapi({ example: '530102********1238' }),
      name: z.string().openapi({ example: '张*' }),
      sex: z.enum(['MALE', 'FEMALE']).nullable(),
      ethnicity: z.string().nullable().openapi({ description: 'GB/T 3304 code', example: '01' }),
      birthDate: z.string().nullable().openapi({ example: '1990-**-**', description: 'YYYY-MM-DD when revealed, else YYYY-**-**' }),
      phone: z.string().nullable().openapi({ example: '138****1234' }),
      hukouRegion: RegionRef.nullable(),
      hukouAddress: z.string().nullable(),
      residenceRegion: RegionRef.nullable(),
      residenceAddress: z.string().nullable(),
      region: RegionRef.nullable(),
      householdId: z.string().nullable(),
      employmentStatus: z.string().nullable(),
      employer: z.string().nullable(),
      employerCreditCode: z.string().nullable(),
      employmentSince: z.string().nullable(),
      registrationStatus: z.enum(['UNREGISTERED', 'PENDING_REVIEW', 'CONFIRMED', 'NEEDS_VISIT']),
      confirmedAt: z.string().nullable(),
      confirmedChannel: z.string().nullable(),
      needsVisitReason: z.string().nullable(),
      flags: z.array(z.string()),
      updatedAt: z.string(),
    }),
    enrolments: z.array(
      z.object({
        insuranceType: z.string().openapi({ example: '110' }),
        insuranceName: z.object({ en: z.string(), zh: z.string() }),
        status: z.enum(['PAYING', 'SUSPENDED', 'TERMINATED']),
        statusCode: z.union([z.literal(1), z.literal(2), z.literal(3)]),
        region: RegionRef.nullable(),
        firstEnrolled: z.string().nullable(),
        lastPaidMonth: z.string().nullable().openapi({ example: '2026-10' }),
        employer: z.string().nullable(),
      }),
    ),
    departmental: z
      .object({
        deceasedOn: z.string().nullable(),
        movedOutOn: z.string().nullable(),
        movedInOn: z.string().nullable(),
        sscCard: z.object({ status: z.string(), issuedOn: z.string().nullable() }).nullable(),
        assistance: z.array(z.object({ kind: z.enum(['DIBAO', 'TEKUN']), startedOn: z.string(), endedOn: z.string().nullable() })),
        provenance: z.array(z.object({ field: z.string(), source: z.string(), on: z.string(), run: z.string() })),
      })
      .openapi({ description: 'What the departmental feeds said (docs/feeds.md): facts, card, assistance, provenance per field' }),
  })
  .openapi('PersonView');

export const PersonAuditResponse = z
  .object({
    events: z.array(
      z.object({
        id: z.string(),
        at: z.string(),
        actorType: z.string(),
        actorId: z.string().nullable(),
        actorUsername: z.string().nullable(),
        source: z.string(),
        action: z.string(),
        outcome: z.string(),
        details: z.unknown(),
      }),
    ),
  })
  .openapi('PersonAuditTrail');

function failure(f: PersonLookupFailure): HttpError {
  switch (f.code) {
    case 'INVALID_ID_NUMBER':
      return httpErrorOf({ ...f, details: { reason: f.error } }, `Not a valid ID number (${f.error}).`);
    case 'FORBIDDEN':
      return httpErrorOf(f, `Your role may not do this (${f.permission}).`);
    case 'NOT_FOUND':
      return httpErrorOf(f, 'No such person in your region.');
  }
}

/** GET /api/persons/:idNumber and GET /api/persons/:idNumber/audit (staff only, region-scoped, audited). */
export function createPersonsRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const auth = requireStaff(deps);

  registry.registerPath({
    method: 'get',
    path: '/api/persons/{idNumber}',
    tags: ['persons'],
    summary: "A person's registration record",
    description:
      'Masked by default (ID first 6 + last 4, phone 3 + 4, name first character, addresses tail-masked, birth date year ' +
      'only). Region-scoped: a person outside your region answers 404 like a missing one. Every call is audited as ' +
      'person.view; reveal=true needs person.reveal and is audited as person.reveal.',
    security: [{ bearer: [] }],
    request: { params: IdNumberParams, query: PersonQuery },
    responses: {
      200: { description: 'The record', content: { 'application/json': { schema: PersonViewResponse } } },
      ...errorResponses(400, 401, 403, 404),
    },
  });
  router.get('/api/persons/:idNumber', auth, requirePermission('person.view'), async (req, res) => {
    const { idNumber } = parseOr400(IdNumberParams, req.params, 'path');
    const { reveal } = parseOr400(PersonQuery, req.query, 'query');
    const r = await viewPerson(prisma, staffOf(req), idNumber, { reveal, source: 'api' }, clock);
    if (!r.ok) throw failure(r);
    res.setHeader('Cache-Control', 'no-store');
    res.json(r.view satisfies z.infer<typeof PersonViewResponse>);
  });

  registry.registerPath({
    method: 'get',
    path: '/api/persons/{idNumber}/audit',
    tags: ['persons'],
    summary: "A person's audit trail, newest first",
    description: 'Needs person.audit_view; region-scoped like the record; audited as person.audit_view.',
    security: [{ bearer: [] }],
    request: { params: IdNumberParams, query: AuditQuery },
    responses: {
      200: { description: 'Audit events', content: { 'application/json': { schema: PersonAuditResponse } } },
      ...errorResponses(400, 401, 403, 404),
    },
  });
  router.get('/api/persons/:idNumber/audit', auth, requirePermission('person.audit_view'), async (req, res) => {
    const { idNumber } = parseOr400(IdNumberParams, req.params, 'path');
    const { limit, before } = parseOr400(AuditQuery, req.query, 'query');
    const r = await personAuditTrail(prisma, staffOf(req), idNumber, { limit, before, source: 'api' }, clock);
    if (!r.ok) throw failure(r);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ events: r.events } satisfies z.infer<typeof PersonAuditResponse>);
  });

  return router;
}
