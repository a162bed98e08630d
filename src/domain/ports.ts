/**
 * The ports between the dialogue flows (flows/, pure statecharts) and the domain. Types only: flows import
 * nothing else from src/. The conversation engine provides real implementations bound to the current turn's
 * transaction; flow tests provide fakes through machine.provide().
 */

export type Sex = 'MALE' | 'FEMALE';
export type RegistrationStatusCode = 'UNREGISTERED' | 'PENDING_REVIEW' | 'CONFIRMED' | 'NEEDS_VISIT';
export type EnrolmentStatusCode = 'PAYING' | 'SUSPENDED' | 'TERMINATED' | 'NOT_ENROLLED';
export type VerifyMethod = 'phone_last4' | 'sms';

/** Why a verification did not succeed. MISMATCH covers unknown ID, wrong name and wrong factor alike. */
export type VerifyFailure = 'MISMATCH' | 'LOCKED';

export interface CheckIdentityInput {
  idNumber: string;
  name: string;
}
/**
 * After ID number and name: what to ask next. `NO_PHONE` is only returned when ID number and name both match
 * a person with no phone on record (so the bot can offer a human or a home visit); everything else asks for
 * the factor, whether or not the person exists.
 */
export type CheckIdentityResult =
  | { next: 'ASK_FACTOR'; method: VerifyMethod }
  | { next: 'NO_PHONE'; personId: string }
  | { next: 'LOCKED' };

export interface VerifyFactorInput {
  idNumber: string;
  name: string;
  factor: string;
}
export type VerifyFactorResult = { ok: true; personId: string } | { ok: false; reason: VerifyFailure };

export interface EnrolmentLine {
  insuranceType: string;
  status: EnrolmentStatusCode;
  /** Name of the insuring prefecture, if known. */
  prefectureName?: string;
  lastPaidMonth?: string;
}
export type StatusAdvice =
  | 'MISSING_MEDICAL'
  | 'MISSING_PENSION'
  | 'DUPLICATE_MEDICAL'
  | 'DUPLICATE_PENSION'
  | 'SUSPENDED_PAYMENT'
  | 'CONFIRM_DETAILS';

export interface EnrolmentStatusView {
  maskedName: string;
  registrationStatus: RegistrationStatusCode;
  lines: EnrolmentLine[];
  advice: StatusAdvice[];
}

/** The record as a resident may see it in chat: every personal value already masked by the server. */
export interface MaskedDetails {
  name: string;
  idNumber: string;
  sex?: Sex;
  ethnicityCode?: string;
  birthDate?: string;
  phone?: string;
  hukouRegionName?: string;
  hukouAddress?: string;
  residenceRegionName?: string;
  residenceAddress?: string;
  employmentStatus?: string;
  employer?: string;
  registrationStatus: RegistrationStatusCode;
}

/** Domain operations the resident flow can invoke; each is idempotent (a restored turn may re-run it). */
export interface ResidentPorts {
  acknowledgeNotice(input: { noticeVersion: string }): Promise<void>;
  checkIdentity(input: CheckIdentityInput): Promise<CheckIdentityResult>;
  verifyFactor(input: VerifyFactorInput): Promise<VerifyFactorResult>;
  requestVisit(input: { personId: string; reason: string }): Promise<void>;
  requestHuman(input: { reason: string }): Promise<void>;
  getStatus(input: { personId: string }): Promise<EnrolmentStatusView>;
  getDetails(input: { personId: string }): Promise<MaskedDetails>;
  confirmRegistration(input: { personId: string }): Promise<{ registrationStatus: RegistrationStatusCode }>;
  signOut(): Promise<void>;
}
