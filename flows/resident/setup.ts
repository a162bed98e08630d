import { assign, fromPromise, setup, type PromiseActorLogic } from 'xstate';
import { chinaDate } from '../../src/domain/calendar/china-time';
import { parseCreditCode } from '../../src/domain/codes/credit-code';
import { normaliseIdNumber, parseIdNumber } from '../../src/domain/codes/id-number';
import { parseMobilePhone } from '../../src/domain/codes/phone';
import {
  RESIDENT_PORT_NAMES,
  type CorrectableField,
  type CoverageView,
  type EmploymentStatusCode,
  type EnrolmentIntentionCode,
  type EnrolmentStatusView,
  type FieldPolicyKind,
  type MaskedDetails,
  type MaskedMember,
  type NonEnrolmentReasonCode,
  type OpenQuestionView,
  type RegionMatch,
  type RegistrationStatusCode,
  type RelationshipCode,
  type ResidentFlowPorts,
  type SchemeFocus,
  type VerifyMethod,
} from '../../src/domain/ports';
import type { FlowEffect, FlowEvent } from '../effects';

/**
 * The shared setup of the resident flow: its context, the domain ports as actors, the guards and the actions
 * every slice may use. Each slice (verify.ts, status.ts, ...) builds its states with
 * `residentSetup.createStateConfig`, so they are typed against this one setup.
 */

/** Version of the privacy notice text (locales: welcome.awaitingNoticeAck.*). Recorded with each acknowledgement. */
export const PRIVACY_NOTICE_VERSION = '2026-11-v1';
/** Failed answers to one question before the bot explains with an example and offers a human. */
export const MAX_FAILURES = 3;

export interface ResidentInput {
  noticeAcknowledged: boolean;
  /** A person this chat identity is still bound to (verified within the binding period). */
  personId?: string;
  verifyMethod: VerifyMethod;
}

export interface ResidentContext {
  noticeAcknowledged: boolean;
  verifyMethod: VerifyMethod;
  personId?: string;
  /** Held only between the ID-number question and the verification result, then cleared. */
  pendingIdNumber?: string;
  pendingName?: string;
  /** When a verification lock ends (ISO time), to tell the resident. */
  lockedUntil?: string;
  /** The reviewer's question being answered (see the `questions` state). */
  openQuestion?: OpenQuestionView;
  /** The resident's answer to it, read back before it is sent. */
  pendingAnswer?: string;
  /** The person found by ID number and name who has no phone on record (for a home-visit request). */
  visitPersonId?: string;
  /** A home-visit request being made: why, what the resident wrote, and (locked verification) the county of the ID number given. */
  visit?: { reason: string; regionHint?: string; details?: string };
  failures: number;
  /** Why the resident is being handed to a person, when it is not simply that they asked (issue 13). */
  handoffReason?: 'VERIFICATION_LOCKED' | 'FLOW_FAILED' | 'NO_PHONE_ON_RECORD';
  status?: EnrolmentStatusView;
  /** The scheme the resident asked about (我的医保交了没有): its lines come first. */
  statusFocus?: SchemeFocus;
  details?: MaskedDetails;
  registrationStatus?: RegistrationStatusCode;
  /** The correction being prepared (cleared when the resident leaves the correction dialogue). */
  correction?: CorrectionDraft;
  /** The employment report being prepared. */
  employment?: EmploymentDraft;
  /** The household list and the missing member being reported (the ID number is held only until submitted). */
  household?: HouseholdDraft;
  /** The reference the resident sent to ask about (查进度 without one: their latest requests). */
  progressReference?: string;
}

export interface CorrectionDraft {
  field: CorrectableField;
  /** What the resident typed (or the region code picked from a list), to be checked. */
  raw?: string;
  /** The checked, normalised value. */
  value?: string;
  policy?: FieldPolicyKind;
  oldDisplay?: string;
  newDisplay?: string;
  /** The new value is shown masked: the resident types it a second time. */
  retype?: true;
  /** Applied; this field is offered next (the street address after a new residence region). */
  next?: CorrectableField;
  /** Regions matching a typed name, offered as a numbered list. */
  matches?: RegionMatch[];
  evidence?: string;
}

export interface EmploymentDraft {
  status: EmploymentStatusCode;
  employer?: string;
  employerCreditCode?: string;
  platformWork?: string;
  since?: string;
  coverage?: CoverageView;
  nonEnrolmentReason?: NonEnrolmentReasonCode;
  reasonText?: string;
  intention?: EnrolmentIntentionCode;
}

export interface HouseholdDraft {
  hasHousehold: boolean;
  members: MaskedMember[];
  idNumber?: string;
  maskedIdNumber?: string;
  sex?: 'MALE' | 'FEMALE';
  birthDate?: string;
  name?: string;
  relationship?: RelationshipCode;
}

// ---------------------------------------------------------------- reading what the resident typed

/** The text of an answer: what was typed, or the value of the choice. */
export const textOf = (e: FlowEvent) => (e.type === 'user.text' ? e.text : e.type === 'user.choice' ? e.value : '');
/** Free text as typed (Chinese punctuation kept), trimmed, runs of spaces collapsed. */
export const tidyText = (text: string) => text.trim().replace(/\s+/g, ' ');

/** Free text that reads as a plausible name of a company, business or work: 2 to `max` characters with a letter. */
const isPlausibleText = (text: string, max: number) => {
  const t = text.normalize('NFKC').trim();
  const n = Array.from(t).length;
  return n >= 2 && n <= max && /\p{L}/u.test(t);
};

/** The earliest year a "since when" answer may name. */
export const EARLIEST_SINCE_YEAR = 1940;

/** A date as typed (YYYY-MM, YYYY-MM-DD, YYYY/MM, YYYY.M, 2020年5月(3日), YYYYMM(DD)) as YYYY-MM-DD, any year; or null. */
function readDate(text: string): string | null {
  const s = text.normalize('NFKC').replace(/\s/g, '');
  const m = /^(\d{4})[-/.年](\d{1,2})(?:月)?(?:[-/.](\d{1,2})|(\d{1,2})日)?$/u.exec(s) ?? /^(\d{4})(\d{2})(\d{2})?$/.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3] ?? m[4] ?? 1);
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return null;
  return `${String(y)}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** "Since when": a date between 1940 and 2100 as YYYY-MM-DD (a month answer is its first day), or null. */
export function parseSince(text: string): string | null {
  const d = readDate(text);
  return d && d >= `${String(EARLIEST_SINCE_YEAR)}-01-01` && d < '2101' ? d : null;
}

/**
 * A start month checked against the calendar: not after the China month of `at` (the time the answer was sent,
 * ISO; without it, not after 2100) and not before 1940. FUTURE and TOO_EARLY are dates understood but refused.
 */
export function checkSince(text: string, at?: string, unit: 'month' | 'day' = 'month'): { ok: true; value: string } | { ok: false; error: 'UNREADABLE' | 'FUTURE' | 'TOO_EARLY' } {
  const d = readDate(text);
  if (!d) return { ok: false, error: 'UNREADABLE' };
  if (d < `${String(EARLIEST_SINCE_YEAR)}-01-01`) return { ok: false, error: 'TOO_EARLY' };
  const len = unit === 'month' ? 7 : 10;
  if (d.slice(0, len) > (at ? chinaDate(new Date(at)) : '2100-12-31').slice(0, len)) return { ok: false, error: 'FUTURE' };
  return { ok: true, value: d };
}

// ---------------------------------------------------------------- the ports as actors

type PortName = (typeof RESIDENT_PORT_NAMES)[number];
type PortInput<K extends PortName> = Parameters<ResidentFlowPorts[K]> extends [infer I] ? I : void;
type PortOutput<K extends PortName> = Awaited<ReturnType<ResidentFlowPorts[K]>>;
/** One actor per port, named after it: its input is the port's argument, its output what the port resolves to. */
export type PortActors = { [K in PortName]: PromiseActorLogic<PortOutput<K>, PortInput<K>> };

/** The flow's actors, each calling its port of `ports` (a missing port: the actor fails, the flow apologises). */
export function portActors(ports: Partial<Record<PortName, (input: never) => Promise<unknown>>>): PortActors {
  const actors = RESIDENT_PORT_NAMES.map((name) => [
    name,
    fromPromise(async ({ input }: { input: unknown }) => {
      const port = ports[name];
      if (typeof port !== 'function') throw new Error(`port ${name} not provided`);
      return port.call(ports, input as never);
    }),
  ]);
  return Object.fromEntries(actors) as PortActors;
}

/** The named tests of an answer (and of the context) the slices use as guards. */
const guards = {
  isNoticeAcknowledged: ({ context }) => context.noticeAcknowledged,
  isVerified: ({ context }) => Boolean(context.personId),
  isValidIdNumber: ({ event }) => event.type === 'user.text' && parseIdNumber(event.text).ok,
  isPlausibleName: ({ event }) =>
    event.type === 'user.text' && /^[\p{L}\p{M}·•.\s'-]{1,40}$/u.test(event.text.trim()) && /\p{L}/u.test(event.text),
  isFactorFormat: ({ context, event }) =>
    event.type === 'user.text' && (context.verifyMethod === 'sms' ? /^\d{6}$/ : /^\d{4}$/).test(event.text.replace(/\s/g, '')),
  isRegionPick: ({ context, event }) => {
    if (event.type !== 'user.text' || !/^\d{1,2}$/.test(event.text.normalize('NFKC').trim())) return false;
    const n = Number(event.text.normalize('NFKC').trim());
    return n >= 1 && n <= (context.correction?.matches?.length ?? 0);
  },
  /** A new phone or ID number typed a second time: the number checked the first time (however it is spaced). */
  isSameNumber: ({ context, event }) => {
    const phone = parseMobilePhone(textOf(event));
    return Boolean(context.correction?.value) && (phone.ok ? phone.phone : normaliseIdNumber(textOf(event))) === context.correction?.value;
  },
  isEvidenceText: ({ event }) => event.type === 'user.text' && isPlausibleText(event.text, 200),
  isEmployerName: ({ event }) => event.type === 'user.text' && isPlausibleText(event.text, 60),
  isWorkDescription: ({ event }) => event.type === 'user.text' && isPlausibleText(event.text, 100),
  isValidCreditCode: ({ event }) => event.type === 'user.text' && parseCreditCode(event.text).ok,
  isStartMonth: ({ event }) => event.type === 'user.text' && checkSince(event.text, event.at).ok,
  /** A birth date (a newborn's): a day not after today (China time). */
  isPastDay: ({ event }) => event.type === 'user.text' && checkSince(event.text, event.at, 'day').ok,
  isReasonText: ({ event }) => event.type === 'user.text' && isPlausibleText(event.text, 200),
  isAnswerText: ({ event }) => event.type === 'user.text' && event.text.trim().length >= 1 && event.text.trim().length <= 500,
  isVisitDetails: ({ event }) => event.type === 'user.text' && event.text.trim().length >= 1,
} satisfies Record<string, (args: { context: ResidentContext; event: FlowEvent }) => boolean>;
export type GuardName = keyof typeof guards;

export const residentSetup = setup({
  types: {
    context: {} as ResidentContext,
    input: {} as ResidentInput,
    events: {} as FlowEvent,
    emitted: {} as FlowEffect,
  },
  actors: portActors({}),
  guards,
  actions: {
    resetFailures: assign({ failures: 0 }),
    noteFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    clearPending: assign({ pendingIdNumber: undefined, pendingName: undefined }),
    /** Keeps only the county code of the ID number given, so a visit request reaches that county's workers. */
    noteLockedCounty: assign({ visit: ({ context }) => ({ reason: 'VERIFICATION_LOCKED', regionHint: context.pendingIdNumber?.slice(0, 6) }) }),
    clearCorrection: assign({ correction: undefined }),
    clearEmployment: assign({ employment: undefined }),
    clearHousehold: assign({ household: undefined }),
    clearProgressReference: assign({ progressReference: undefined }),
  },
});

export type ResidentStateConfig = Parameters<typeof residentSetup.createStateConfig>[0];
