import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { DbClient } from '../../db/db-client';
import { Prisma } from '../../generated/prisma/client';
import { recordAudit } from '../staff/audit.service';
import { checkFilterScope, type StaffContext } from '../campaigns/segment.service';
import { type SegmentFilter, segmentWhere } from '../campaigns/segment-filter';
import { createChangeRequest } from '../corrections/change-request.service';
import { maskIdNumberForStaff, maskName } from '../codes/masking';
import { isWithinRegion } from '../codes/region-scope';
import { applyPersonChange, type PersonChanges } from '../registry/person-change';
import { parsePersonField, type PersonField } from '../registry/person-fields';

/** The workbook's columns, in order (results are read back by position). */
export const VISIT_COLUMNS = ['row', 'idNumber', 'name', 'address', 'missing', 'household', 'result', 'phone', 'residenceAddress', 'correctName', 'notes'] as const;
export const VISIT_RESULTS = ['visited', 'absent', 'moved', 'deceased'] as const;
type VisitResult = (typeof VISIT_RESULTS)[number];
/** Results as a worker may type them in Chinese. */
const RESULT_WORDS: Record<string, VisitResult> = { 已走访: 'visited', 走访: 'visited', 不在家: 'absent', 已迁出: 'moved', 迁出: 'moved', 已死亡: 'deceased', 死亡: 'deceased' };

/** The person fields a worker may fill in, with their column, and the reject reason of a bad value. */
const VISIT_FIELDS = [
  ['phone', 7],
  ['residenceAddress', 8],
  ['name', 9],
] as const satisfies readonly (readonly [PersonField, number])[];
const VISIT_FIELD_REJECTS = { phone: 'BAD_PHONE', residenceAddress: 'BAD_ADDRESS', name: 'BAD_NAME' } as const;

export type VisitListFailure = { ok: false; code: 'NOT_FOUND' };
type Label = (key: string) => string;

/**
 * A household-visit list: the persons of a filter (opted-out persons included unless the filter says so:
 * a visit is not a message), or a campaign's unreachable and unresponsive recipients. Audited.
 */
export async function createVisitList(db: DbClient, ctx: StaffContext, src: { filter: SegmentFilter } | { campaignId: string }): Promise<{ ok: true; id: string; rows: number } | VisitListFailure> {
  let select: Prisma.Sql;
  let regionCode: string;
  if ('filter' in src) {
    if (!(await checkFilterScope(db, ctx, src.filter, 'visit_list.create'))) return { ok: false, code: 'NOT_FOUND' };
    const f = { excludeOptedOut: false, excludeOpenChangeRequest: false, ...src.filter };
    select = Prisma.sql`SELECT p.id, p.region_code FROM person p WHERE ${segmentWhere(f, ctx.now)}`;
    regionCode = src.filter.region;
  } else {
    const c = await db.campaign.findUnique({ where: { id: src.campaignId } });
    if (!c || !isWithinRegion(ctx.staff.regionCode, c.regionCode)) {
      await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action: 'visit_list.create', targetType: 'campaign', targetId: src.campaignId, outcome: 'DENIED', at: ctx.now });
      return { ok: false, code: 'NOT_FOUND' };
    }
    select = Prisma.sql`SELECT p.id, p.region_code FROM campaign_recipient r JOIN person p ON p.id = r.person_id
      WHERE r.campaign_id = ${c.id}::uuid AND (r.status IN ('SKIPPED', 'FAILED') OR (r.sent_at IS NOT NULL AND r.outcome IS NULL))`;
    regionCode = c.regionCode;
  }
  const list = await db.visitList.create({ data: { regionCode, source: src as Prisma.InputJsonValue, createdBy: ctx.staff.id, createdAt: ctx.now } });
  const rows = await db.$executeRaw`
    INSERT INTO visit_list_entry (id, visit_list_id, row_key, person_id, township, village)
    SELECT gen_random_uuid(), ${list.id}::uuid, 'V' || lpad((row_number() OVER (ORDER BY s.region_code, s.id))::text, 6, '0'), s.id,
      left(coalesce(s.region_code, ''), 9), CASE WHEN length(s.region_code) >= 12 THEN s.region_code ELSE left(coalesce(s.region_code, ''), 9) END
    FROM (${select}) s`;
  await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action: 'visit_list.create', targetType: 'visit_list', targetId: list.id, at: ctx.now, details: { rows } });
  return { ok: true, id: list.id, rows };
}

async function loadList(db: DbClient, ctx: StaffContext, id: string, action: string) {
  const list = await db.visitList.findUnique({ where: { id } });
  if (list && isWithinRegion(ctx.staff.regionCode, list.regionCode)) return list;
  await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action, targetType: 'visit_list', targetId: id, outcome: 'DENIED', at: ctx.now });
  return null;
}

interface EntryRow {
  row_key: string;
  township: string;
  village: string;
  id_number: string;
  name: string;
  address: string | null;
  status: string;
  flags: string[];
  members: string[] | null;
  village_name: string | null;
}

async function entries(db: DbClient, listId: string, township?: string): Promise<EntryRow[]> {
  return db.$queryRaw<EntryRow[]>`
    SELECT e.row_key, e.township, e.village, p.id_number, p.name, coalesce(p.residence_address, p.hukou_address) AS address,
      p.registration_status::text AS status, p.flags::text[] AS flags,
      (SELECT array_agg(m.name ORDER BY m.id) FROM person m WHERE m.household_id = p.household_id AND m.id <> p.id) AS members,
      (SELECT g.name FROM region g WHERE g.code = e.village) AS village_name
    FROM visit_list_entry e JOIN person p ON p.id = e.person_id
    WHERE e.visit_list_id = ${listId}::uuid ${township ? Prisma.sql`AND e.township = ${township}` : Prisma.empty}
    ORDER BY e.row_key`;
}

const missingOf = (r: EntryRow, t: Label) => [t(`console.registration.${r.status}`), ...r.flags.map((f) => t(`community.visitList.flag.${f}`))].join('; ');

function rowValues(r: EntryRow, t: Label): string[] {
  return [r.row_key, maskIdNumberForStaff(r.id_number), maskName(r.name), r.address ?? '', missingOf(r, t), (r.members ?? []).map(maskName).join('、'), '', '', '', '', ''];
}

/** A workbook of entry rows, one sheet per village or community. */
async function buildWorkbook(rows: EntryRow[], t: Label): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheets = new Map<string, ExcelJS.Worksheet>();
  for (const r of rows) {
    let ws = sheets.get(r.village);
    if (!ws) {
      ws = wb.addWorksheet(`${(r.village_name ?? '').slice(0, 16)} ${r.village}`.trim().slice(0, 31));
      ws.addRow(VISIT_COLUMNS.map((c) => t(`community.visitList.columns.${c}`)));
      ws.getRow(1).font = { bold: true };
      ws.columns.forEach((c, i) => (c.width = [10, 20, 8, 36, 24, 20, 12, 14, 30, 10, 24][i] ?? 12));
      sheets.set(r.village, ws);
    }
    ws.addRow(rowValues(r, t));
  }
  if (!rows.length) wb.addWorksheet('-').addRow(VISIT_COLUMNS.map((c) => t(`community.visitList.columns.${c}`)));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const auditDownload = (db: DbClient, ctx: StaffContext, id: string, details: Prisma.InputJsonValue) =>
  recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action: 'visit_list.download', targetType: 'visit_list', targetId: id, at: ctx.now, details });

/** The list as an xlsx workbook, one sheet per village or community (of one township when asked). Audited. */
export async function visitListWorkbook(db: DbClient, ctx: StaffContext, id: string, t: Label, township?: string): Promise<{ ok: true; buffer: Buffer } | VisitListFailure> {
  const list = await loadList(db, ctx, id, 'visit_list.download');
  if (!list) return { ok: false, code: 'NOT_FOUND' };
  const rows = await entries(db, id, township);
  const buffer = await buildWorkbook(rows, t);
  await auditDownload(db, ctx, id, { format: 'xlsx', rows: rows.length, ...(township ? { township } : {}) });
  return { ok: true, buffer };
}

/**
 * One workbook per township (each with one sheet per village or community), built one township at a time.
 * Audited once.
 */
export async function visitListTownshipWorkbooks(db: DbClient, ctx: StaffContext, id: string, t: Label): Promise<{ ok: true; workbooks: { township: string; name: string | null; buffer: Buffer }[] } | VisitListFailure> {
  const list = await loadList(db, ctx, id, 'visit_list.download');
  if (!list) return { ok: false, code: 'NOT_FOUND' };
  const towns = await db.$queryRaw<{ township: string; name: string | null }[]>`
    SELECT DISTINCT e.township, (SELECT g.name FROM region g WHERE g.code = e.township) AS name FROM visit_list_entry e WHERE e.visit_list_id = ${id}::uuid ORDER BY e.township`;
  const workbooks: { township: string; name: string | null; buffer: Buffer }[] = [];
  let rows = 0;
  for (const town of towns) {
    const r = await entries(db, id, town.township);
    rows += r.length;
    workbooks.push({ ...town, buffer: await buildWorkbook(r, t) });
  }
  await auditDownload(db, ctx, id, { format: 'zip', rows, townships: towns.length });
  return { ok: true, workbooks };
}

/** The same list as CSV rows (header first). Audited. */
export async function visitListCsv(db: DbClient, ctx: StaffContext, id: string, t: Label): Promise<{ ok: true; rows: string[][] } | VisitListFailure> {
  const list = await loadList(db, ctx, id, 'visit_list.download');
  if (!list) return { ok: false, code: 'NOT_FOUND' };
  const rows = await entries(db, id);
  await auditDownload(db, ctx, id, { format: 'csv', rows: rows.length });
  return { ok: true, rows: [['township', ...VISIT_COLUMNS.map((c) => t(`community.visitList.columns.${c}`))], ...rows.map((r) => [r.township, ...rowValues(r, t)])] };
}

export interface ResultsReport {
  applied: number;
  unchanged: number;
  changeRequests: number;
  rejects: { sheet: string; row: number; reason: string }[];
}

const cell = (row: ExcelJS.Row, i: number) => {
  const v = row.getCell(i + 1).value;
  return v === null || v === undefined ? '' : String(typeof v === 'object' && 'text' in v ? v.text : v).trim();
};

/**
 * Applies a filled-in workbook: direct fields (phone, residence address) at once, the name as a change request
 * attributed to the worker, NEEDS_VISIT cleared after a visit and kept when absent, moved and deceased sent for
 * review. A row whose result was applied before is left alone (a second upload changes nothing). Bad rows are
 * reported (sheet, row, reason) and skipped.
 */
export async function applyVisitResults(db: DbClient, ctx: StaffContext & { holidays?: readonly string[] }, id: string, file: Buffer): Promise<{ ok: true; report: ResultsReport } | VisitListFailure> {
  const list = await loadList(db, ctx, id, 'visit_list.results');
  if (!list) return { ok: false, code: 'NOT_FOUND' };
  const wb = new ExcelJS.Workbook();
  const report: ResultsReport = { applied: 0, unchanged: 0, changeRequests: 0, rejects: [] };
  try {
    await wb.xlsx.load(file as unknown as ArrayBuffer);
  } catch {
    report.rejects.push({ sheet: '', row: 0, reason: 'NOT_A_WORKBOOK' });
    return { ok: true, report };
  }
  const all = await db.visitListEntry.findMany({ where: { visitListId: id } });
  const byKey = new Map(all.map((e) => [e.rowKey, e]));
  for (const ws of wb.worksheets) {
    for (let n = 2; n <= ws.rowCount; n++) {
      const row = ws.getRow(n);
      const key = cell(row, 0);
      const rawResult = cell(row, 6);
      if (!key && !rawResult) continue;
      const reject = (reason: string) => report.rejects.push({ sheet: ws.name, row: n, reason });
      const entry = byKey.get(key);
      if (!entry) {
        reject('UNKNOWN_ROW');
        continue;
      }
      if (!rawResult) continue;
      const result = (VISIT_RESULTS as readonly string[]).includes(rawResult.toLowerCase()) ? (rawResult.toLowerCase() as VisitResult) : RESULT_WORDS[rawResult];
      if (!result) {
        reject('BAD_RESULT');
        continue;
      }
      // The worker's values are checked by the fields' own rules (registry/person-fields.ts), as in the chat.
      const checked = VISIT_FIELDS.map(([field, column]) => {
        const raw = cell(row, column);
        return raw ? parsePersonField(field, raw, { today: ctx.now }) : ({ ok: true, value: null } as const);
      });
      const bad = checked.findIndex((c) => !c.ok);
      if (bad >= 0) {
        reject(VISIT_FIELD_REJECTS[VISIT_FIELDS[bad]![0]]);
        continue;
      }
      const [phone, residenceAddress, name] = checked.map((c) => (c.ok ? c.value : null));
      const values = { result, phone: phone ?? null, residenceAddress: residenceAddress ?? null, name: name ?? null, notes: cell(row, 10) || null };
      const hash = createHash('sha256').update(JSON.stringify(values)).digest('hex');
      if (entry.appliedHash === hash) {
        report.unchanged += 1;
        continue;
      }
      report.changeRequests += await applyOne(db, ctx, entry, values);
      await db.visitListEntry.update({ where: { id: entry.id }, data: { appliedHash: hash, result: values, appliedAt: ctx.now } });
      report.applied += 1;
    }
  }
  await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action: 'visit_list.results', targetType: 'visit_list', targetId: id, at: ctx.now, details: { ...report, rejects: report.rejects.length } });
  return { ok: true, report };
}

async function applyOne(
  db: DbClient,
  ctx: StaffContext & { holidays?: readonly string[] },
  entry: { personId: string; visitListId: string },
  v: { result: VisitResult; phone: string | null; residenceAddress: string | null; name: string | null; notes: string | null },
): Promise<number> {
  const p = await db.person.findUniqueOrThrow({ where: { id: entry.personId } });
  const data: Prisma.PersonUpdateInput = {};
  // Direct fields through the one writer of person records (columns, flags, version, person.update audit).
  const changes: PersonChanges = {};
  if (v.phone && v.phone !== p.phone) changes.phone = v.phone;
  if (v.residenceAddress && v.residenceAddress !== p.residenceAddress) changes.residenceAddress = v.residenceAddress;
  const changed = Object.keys(changes);
  if (changed.length) {
    await applyPersonChange(db, p, changes, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, at: ctx.now, details: () => ({ visitListId: entry.visitListId }) });
  }
  let requests = 0;
  const request = async (field: string, current: string | null, proposed: string) => {
    await createChangeRequest(
      db,
      { kind: 'FIELD_CHANGE', personId: p.id, fields: [field], currentValues: { [field]: current }, proposedValues: { [field]: proposed }, evidence: v.notes, regionCode: p.regionCode, channel: 'visit', now: ctx.now, holidays: ctx.holidays ?? [] },
      ctx.staff.id,
    );
    await db.changeRequest.updateMany({ where: { personId: p.id, channel: 'visit', submittedByStaff: null }, data: { submittedByStaff: ctx.staff.id } });
    requests += 1;
  };
  if (v.name && v.name !== p.name) await request('name', p.name, v.name);
  if (v.result === 'moved' || v.result === 'deceased') await request('lifeStatus', null, v.result === 'moved' ? 'MOVED' : 'DECEASED');
  const status = requests ? 'PENDING_REVIEW' : v.result === 'visited' ? (p.registrationStatus === 'NEEDS_VISIT' ? 'UNREGISTERED' : p.registrationStatus) : p.registrationStatus === 'CONFIRMED' ? 'CONFIRMED' : 'NEEDS_VISIT';
  if (status !== p.registrationStatus) data.registrationStatus = status;
  if (v.result === 'visited' && p.registrationStatus === 'NEEDS_VISIT') data.needsVisitReason = null;
  if (Object.keys(data).length) await db.person.update({ where: { id: p.id }, data: { ...data, version: { increment: 1 } } });
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: ctx.staff.id,
    source: ctx.source,
    action: 'visit.result',
    targetType: 'person',
    targetId: p.id,
    at: ctx.now,
    details: { visitListId: entry.visitListId, result: v.result, changed, registrationStatus: { from: p.registrationStatus, to: status }, changeRequests: requests } as Prisma.InputJsonValue,
  });
  return requests;
}
