import type { DbClient } from '../../db/db-client';
import { INSURANCE_TYPES, MEDICAL_TYPES, PENSION_TYPES } from '../codes/insurance';
import { maskAddress, maskIdNumber, maskName, maskPhone } from '../codes/masking';
import type { EnrolmentLine, EnrolmentStatusView, MaskedDetails, StatusAdvice } from '../ports';
import { prefectureOf } from '../codes/region-scope';

async function regionNames(db: DbClient, codes: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(codes.filter((c): c is string => Boolean(c)))];
  if (!wanted.length) return new Map();
  const rows = await db.region.findMany({ where: { code: { in: wanted } }, select: { code: true, name: true } });
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** Enrolment status of a verified person, per insurance type, with advice for each gap. Nothing unmasked. */
export async function getEnrolmentStatusView(db: DbClient, personId: string, now: Date = new Date()): Promise<EnrolmentStatusView> {
  const person = await db.person.findUniqueOrThrow({
    where: { id: personId },
    select: { name: true, registrationStatus: true, birthDate: true, employmentStatus: true, enrolments: true },
  });
  const byType = new Map(person.enrolments.map((e) => [e.insuranceType, e]));
  const names = await regionNames(db, person.enrolments.map((e) => (e.regionCode ? prefectureOf(e.regionCode) : null)));
  const lines: EnrolmentLine[] = INSURANCE_TYPES.map((t) => {
    const e = byType.get(t);
    if (!e) return { insuranceType: t, status: 'NOT_ENROLLED' as const };
    const pref = e.regionCode ? names.get(prefectureOf(e.regionCode) ?? '') : undefined;
    return {
      insuranceType: t,
      status: e.status,
      ...(pref ? { prefectureName: pref } : {}),
      ...(e.lastPaidMonth ? { lastPaidMonth: e.lastPaidMonth } : {}),
    };
  });
  const paying = (types: readonly string[]) => person.enrolments.filter((e) => types.includes(e.insuranceType) && e.status === 'PAYING');
  const advice: StatusAdvice[] = [];
  const medical = paying(MEDICAL_TYPES).length;
  const pension = paying(PENSION_TYPES).length;
  if (medical === 0) advice.push('MISSING_MEDICAL');
  if (medical > 1) advice.push('DUPLICATE_MEDICAL');
  const age = person.birthDate ? (now.getTime() - person.birthDate.getTime()) / (365.25 * 86400_000) : undefined;
  if (pension === 0 && person.employmentStatus !== 'STUDENT' && (age === undefined || age >= 16)) advice.push('MISSING_PENSION');
  if (pension > 1) advice.push('DUPLICATE_PENSION');
  if (person.enrolments.some((e) => e.status === 'SUSPENDED')) advice.push('SUSPENDED_PAYMENT');
  if (person.registrationStatus !== 'CONFIRMED') advice.push('CONFIRM_DETAILS');
  return { maskedName: maskName(person.name), registrationStatus: person.registrationStatus, lines, advice };
}

/** The record as the resident may see it in chat: every value masked on the server. */
export async function getMaskedDetails(db: DbClient, personId: string): Promise<MaskedDetails> {
  const p = await db.person.findUniqueOrThrow({ where: { id: personId } });
  const names = await regionNames(db, [p.hukouRegion, p.residenceRegion, ...[p.hukouRegion, p.residenceRegion].map((c) => (c ? prefectureOf(c) : null))]);
  const regionLabel = (code: string) => {
    const pref = prefectureOf(code);
    const own = names.get(code) ?? code;
    return pref && pref !== code && names.get(pref) ? `${names.get(pref)}${own}` : own;
  };
  return {
    name: maskName(p.name),
    idNumber: maskIdNumber(p.idNumber),
    ...(p.sex ? { sex: p.sex } : {}),
    ...(p.ethnicity ? { ethnicityCode: p.ethnicity } : {}),
    ...(p.birthDate ? { birthDate: `${p.birthDate.toISOString().slice(0, 4)}-**-**` } : {}),
    ...(p.phone ? { phone: maskPhone(p.phone) } : {}),
    ...(p.hukouRegion ? { hukouRegionName: regionLabel(p.hukouRegion) } : {}),
    ...(p.hukouAddress ? { hukouAddress: maskAddress(p.hukouAddress) } : {}),
    ...(p.residenceRegion ? { residenceRegionName: regionLabel(p.residenceRegion) } : {}),
    ...(p.residenceAddress ? { residenceAddress: maskAddress(p.residenceAddress) } : {}),
    ...(p.employmentStatus ? { employmentStatus: p.employmentStatus } : {}),
    ...(p.employer ? { employer: p.employer } : {}),
    registrationStatus: p.registrationStatus,
  };
}
