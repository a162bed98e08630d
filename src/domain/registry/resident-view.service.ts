import type { DbClient } from '../../db/db-client';
import { INSURANCE_TYPES, MEDICAL_TYPES, PENSION_TYPES } from '../codes/insurance';
import { maskAddress, maskBirthDate, maskIdNumber, maskName, maskPhone } from '../codes/masking';
import type { EnrolmentLine, EnrolmentStatusCode, EnrolmentStatusView, MaskedDetails, StatusAdvice } from '../ports';
import { prefectureOf } from '../codes/region-scope';
import { regionChainName } from './region-names';
import { hasOpenDuplicateCover } from '../worklists/work-item.service';

async function regionNames(db: DbClient, codes: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(codes.filter((c): c is string => Boolean(c)))];
  if (!wanted.length) return new Map();
  const rows = await db.region.findMany({ where: { code: { in: wanted } }, select: { code: true, name: true } });
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** Months a paying enrolment may go without a payment before its line says 缴费中断 (lapsed). */
export const LAPSE_MONTHS = 3;

const monthIndex = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;
/** The current month (YYYY-MM) in China time. */
const chinaMonth = (now: Date) => new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 7);

type EnrolmentRow = { insuranceType: string; status: EnrolmentStatusCode; lastPaidMonth: string | null; benefitFrom: string | null };

/** The status a resident reads: RECEIVING once benefits began, LAPSED when paying stopped more than LAPSE_MONTHS ago. */
function lineStatus(e: EnrolmentRow, month: string): EnrolmentStatusCode {
  if (e.benefitFrom && e.benefitFrom <= month) return 'RECEIVING';
  if (e.status === 'PAYING' && e.lastPaidMonth && monthIndex(month) - monthIndex(e.lastPaidMonth) > LAPSE_MONTHS) return 'LAPSED';
  return e.status;
}

/** Which schemes' lines concern this person: those on record (a terminated one only when nothing else of its kind is), and the gaps that apply. */
function applicableTypes(statuses: Map<string, EnrolmentStatusCode>, employed: boolean, adult: boolean): string[] {
  const shown = new Set<string>();
  const family = (types: readonly string[], gap: string | null) => {
    const onRecord = types.filter((t) => statuses.has(t));
    const live = onRecord.filter((t) => statuses.get(t) !== 'TERMINATED');
    for (const t of live.length ? live : onRecord) shown.add(t);
    if (!onRecord.length && gap) shown.add(gap);
  };
  family(MEDICAL_TYPES, employed ? '310' : '390');
  family(PENSION_TYPES, adult ? (employed ? '110' : '170') : null);
  // Unemployment, work injury and maternity come with a job: shown when on record or when employed.
  for (const t of ['210', '410', '510']) if (employed || (statuses.has(t) && statuses.get(t) !== 'TERMINATED')) shown.add(t);
  return INSURANCE_TYPES.filter((t) => shown.has(t));
}

/**
 * Enrolment status of a verified person: one line per scheme that applies (by age, employment and what is on
 * record), with advice for each gap. Nothing unmasked.
 */
export async function getEnrolmentStatusView(db: DbClient, personId: string, now: Date = new Date()): Promise<EnrolmentStatusView> {
  const person = await db.person.findUniqueOrThrow({
    where: { id: personId },
    select: {
      name: true,
      registrationStatus: true,
      birthDate: true,
      employmentStatus: true,
      enrolments: true,
      // Subsistence allowance and special hardship periods running today (civil-affairs feed, issue 17).
      assistance: { where: { startedOn: { lte: now }, OR: [{ endedOn: null }, { endedOn: { gte: now } }] }, select: { kind: true } },
    },
  });
  const month = chinaMonth(now);
  const statuses = new Map(person.enrolments.map((e) => [e.insuranceType, lineStatus(e, month)]));
  const byType = new Map(person.enrolments.map((e) => [e.insuranceType, e]));
  const age = person.birthDate ? (now.getTime() - person.birthDate.getTime()) / (365.25 * 86400_000) : undefined;
  const adult = person.employmentStatus !== 'STUDENT' && (age === undefined || age >= 16);
  const names = await regionNames(db, person.enrolments.map((e) => (e.regionCode ? prefectureOf(e.regionCode) : null)));
  const lines: EnrolmentLine[] = applicableTypes(statuses, person.employmentStatus === 'EMPLOYED', adult).map((t) => {
    const e = byType.get(t);
    if (!e) return { insuranceType: t, status: 'NOT_ENROLLED' as const };
    const pref = e.regionCode ? names.get(prefectureOf(e.regionCode) ?? '') : undefined;
    const status = statuses.get(t)!;
    return {
      insuranceType: t,
      status,
      ...(pref ? { prefectureName: pref } : {}),
      ...(e.lastPaidMonth ? { lastPaidMonth: e.lastPaidMonth } : {}),
      ...(status === 'RECEIVING' && e.benefitFrom ? { benefitFrom: e.benefitFrom } : {}),
    };
  });
  const having = (types: readonly string[], wanted: readonly EnrolmentStatusCode[]) => types.filter((t) => wanted.includes(statuses.get(t) ?? 'NOT_ENROLLED')).length;
  const advice: StatusAdvice[] = [];
  const medical = having(MEDICAL_TYPES, ['PAYING', 'RECEIVING']);
  const pension = having(PENSION_TYPES, ['PAYING', 'RECEIVING']);
  if (medical === 0 && !having(MEDICAL_TYPES, ['LAPSED'])) advice.push('MISSING_MEDICAL');
  if (having(MEDICAL_TYPES, ['PAYING']) > 1) advice.push('DUPLICATE_MEDICAL');
  if (pension === 0 && adult && !having(PENSION_TYPES, ['LAPSED'])) advice.push('MISSING_PENSION');
  if (pension > 1) advice.push('DUPLICATE_PENSION');
  if (await hasOpenDuplicateCover(db, personId)) advice.push('DUPLICATE_COVER_FOLLOW_UP');
  if ([...statuses.values()].includes('SUSPENDED')) advice.push('SUSPENDED_PAYMENT');
  if ([...statuses.values()].includes('LAPSED')) advice.push('LAPSED_PAYMENT');
  if (person.registrationStatus !== 'CONFIRMED') advice.push('CONFIRM_DETAILS');
  // Where it matters: the resident schemes (pension 170, medical 390), whose contributions the government pays.
  if (lines.some((l) => l.insuranceType === '170' || l.insuranceType === '390')) {
    const kinds = new Set(person.assistance.map((a) => a.kind));
    if (kinds.has('TEKUN')) advice.push('GOVERNMENT_PAYS_TEKUN');
    else if (kinds.has('DIBAO')) advice.push('GOVERNMENT_PAYS_DIBAO');
  }
  return { maskedName: maskName(person.name), registrationStatus: person.registrationStatus, lines, advice };
}

/** The record as the resident may see it in chat: every value masked on the server. */
export async function getMaskedDetails(db: DbClient, personId: string): Promise<MaskedDetails> {
  const p = await db.person.findUniqueOrThrow({ where: { id: personId } });
  return {
    name: maskName(p.name),
    idNumber: maskIdNumber(p.idNumber),
    ...(p.sex ? { sex: p.sex } : {}),
    ...(p.ethnicity ? { ethnicityCode: p.ethnicity } : {}),
    ...(p.birthDate ? { birthDate: maskBirthDate(p.birthDate.toISOString().slice(0, 10)) } : {}),
    ...(p.phone ? { phone: maskPhone(p.phone) } : {}),
    // The whole chain below the province (昆明市五华区华山街道), as a correction's confirmation names it.
    ...(p.hukouRegion ? { hukouRegionName: regionChainName(p.hukouRegion) } : {}),
    ...(p.hukouAddress ? { hukouAddress: maskAddress(p.hukouAddress) } : {}),
    ...(p.residenceRegion ? { residenceRegionName: regionChainName(p.residenceRegion) } : {}),
    ...(p.residenceAddress ? { residenceAddress: maskAddress(p.residenceAddress) } : {}),
    ...(p.employmentStatus ? { employmentStatus: p.employmentStatus } : {}),
    ...(p.employer ? { employer: p.employer } : {}),
    registrationStatus: p.registrationStatus,
  };
}
