import { AsyncLocalStorage } from 'node:async_hooks';
import type { i18n } from 'i18next';
import { provideResidentPorts, PRIVACY_NOTICE_VERSION, RESIDENT_FLOW_ID, RESIDENT_FLOW_VERSION, type ResidentInput } from '../../flows/resident';
import { campaignTaskAfterVerification, recordCampaignOutcome } from '../domain/campaigns/campaign-funnel.service';
import { checkCorrection, submitCorrection } from '../domain/corrections/change-request.service';
import { getCoverage, submitEmploymentReport } from '../domain/corrections/employment-report.service';
import { requestHandoff, type ChannelRegions } from '../domain/handoff/handoff.service';
import { checkMissingMember, getHouseholdView, reportMissingMember, reportNewborn } from '../domain/corrections/household.service';
import type { ResidentFlowPorts } from '../domain/ports';
import { openQuestionsFor, recordResidentAnswer, requestProgressOf } from '../domain/review';
import { confirmRegistration } from '../domain/registry/registration.service';
import { getEnrolmentStatusView, getMaskedDetails } from '../domain/registry/resident-view.service';
import { checkIdentity, verifyFactor, type VerificationPolicy } from '../domain/verification/verification.service';
import { createVisitRequest } from '../domain/visits/visit-request.service';
import { LOCALES } from '../lib/i18n';
import type { FlowBinding, TurnContext } from './engine';

export interface ResidentPortDeps {
  i18n: i18n;
  verification: VerificationPolicy;
  bindingDays: number;
  /** Extra non-working days (config HOLIDAYS, YYYY-MM-DD) for the due date of a change request. */
  holidays?: readonly string[];
  /** Region of a handoff whose resident is not verified, per channel (HANDOFF_REGIONS). */
  handoffRegions?: ChannelRegions;
}

/** The names of an ethnicity code in every language (locales: reference.ethnicity.<code>). */
function ethnicityNames(i18n: i18n): (code: string) => string[] {
  return (code) => LOCALES.map((lng) => i18n.t(`reference.ethnicity.${code}`, { lng })).filter((n) => n !== `reference.ethnicity.${code}`);
}

/** The real ports of the resident flow, bound to one turn's transaction and conversation. */
export function createResidentPorts(turn: TurnContext, deps: ResidentPortDeps): ResidentFlowPorts {
  const { tx, conversationId, channel, now } = turn;
  const endpointKey = `${channel}:${turn.endpoint}`;
  const correction = { ethnicityNames: ethnicityNames(deps.i18n), now };
  const holidays = deps.holidays ?? [];
  return {
    async acknowledgeNotice({ noticeVersion }) {
      const seen = await tx.noticeAcknowledgement.findFirst({ where: { conversationId, noticeVersion } });
      if (!seen) {
        await tx.noticeAcknowledgement.create({
          data: {
            conversationId,
            channel,
            endpoint: turn.endpoint,
            personId: turn.personId,
            noticeVersion,
            locale: turn.locale,
            acknowledgedAt: now,
            // Assisted: the agent read the notice aloud and the caller agreed by voice.
            ...(turn.agent ? { mode: 'VERBAL', staffId: turn.agent.id } : {}),
          },
        });
      }
    },
    checkIdentity: (input) => checkIdentity(tx, { ...input, endpointKey, now }, deps.verification),
    async verifyFactor(input) {
      const started = Date.now();
      const r = await verifyFactor(tx, { ...input, endpointKey, now, source: channel }, deps.verification);
      // Every mismatch is answered after the same minimum time, waited out after commit (engine).
      if (!r.ok) turn.delayRepliesUntil(started + deps.verification.failureFloorMs);
      if (r.ok) {
        turn.personId = r.personId;
        await tx.conversation.update({
          where: { id: conversationId },
          data: { personId: r.personId, boundUntil: new Date(now.getTime() + deps.bindingDays * 86400_000) },
        });
        await tx.noticeAcknowledgement.updateMany({ where: { conversationId, personId: null }, data: { personId: r.personId } });
      }
      return r;
    },
    campaignTask: ({ personId }) => campaignTaskAfterVerification(tx, { conversationId, personId, now }),
    async requestVisit(input) {
      await createVisitRequest(tx, input, { channel, conversationId, locale: turn.locale, now });
    },
    async requestHuman({ reason }) {
      turn.handoff = await requestHandoff(tx, { conversationId, reason, personId: turn.personId, channel, now, regions: deps.handoffRegions ?? {} });
    },
    getStatus: ({ personId }) => getEnrolmentStatusView(tx, personId, now),
    getDetails: ({ personId }) => getMaskedDetails(tx, personId),
    async confirmRegistration({ personId }) {
      const r = await confirmRegistration(tx, { personId, channel, conversationId, now });
      if (r.registrationStatus === 'CONFIRMED') await recordCampaignOutcome(tx, { conversationId, personId, outcome: 'CONFIRMED', now });
      return r;
    },
    async signOut() {
      turn.personId = null;
      await tx.conversation.update({ where: { id: conversationId }, data: { personId: null, boundUntil: null } });
    },
    checkCorrection: (input) => checkCorrection(tx, input, correction),
    async submitCorrection(input) {
      const r = await submitCorrection(tx, input, { ...correction, channel, conversationId, holidays });
      await recordCampaignOutcome(tx, { conversationId, personId: input.personId, outcome: 'CORRECTED', now });
      return r;
    },
    getCoverage: ({ personId }) => getCoverage(tx, personId),
    submitEmploymentReport: (input) => submitEmploymentReport(tx, input, { channel, conversationId, now }),
    getHousehold: ({ personId }) => getHouseholdView(tx, personId),
    checkMissingMember: (input) => checkMissingMember(tx, input),
    reportMissingMember: (input) => reportMissingMember(tx, input, { channel, conversationId, now, holidays }),
    reportNewborn: (input) => reportNewborn(tx, input, { channel, conversationId, now, holidays }),
    async getOpenQuestions({ personId }) {
      const open = await openQuestionsFor(tx, personId);
      return open.map((q) => ({ requestId: q.requestId, reference: q.reference, question: q.question }));
    },
    async answerQuestion({ personId, requestId, answer }) {
      const r = await recordResidentAnswer(tx, { requestId, personId, answer, channel, conversationId, now, holidays });
      if (r.ok) return { ok: true, reference: r.reference };
      const row = await tx.changeRequest.findUnique({ where: { id: requestId }, select: { reference: true } });
      return { ok: false, reference: row?.reference ?? '' };
    },
    getRequestProgress: ({ personId, reference }) => requestProgressOf(tx, personId, reference),
  };
}

/**
 * The resident flow as the engine runs it. The machine is made once per process (issue 11); its ports look up
 * the running turn's ports, which `bind` sets for the turn's flow run (async context, so concurrent turns of
 * different conversations each see their own).
 */
export function residentFlowBinding(deps: ResidentPortDeps): FlowBinding {
  const current = new AsyncLocalStorage<ResidentFlowPorts>();
  const turnPorts = new Proxy({} as ResidentFlowPorts, { get: (_t, name) => (current.getStore() as Record<string | symbol, unknown> | undefined)?.[name] });
  const machine = provideResidentPorts(turnPorts);
  return {
    id: RESIDENT_FLOW_ID,
    version: RESIDENT_FLOW_VERSION,
    noticeVersion: PRIVACY_NOTICE_VERSION,
    machine,
    bind: (turn, run) => current.run(createResidentPorts(turn, deps), run),
    input: (turn): ResidentInput => ({
      noticeAcknowledged: turn.noticeAcknowledged,
      ...(turn.personId ? { personId: turn.personId } : {}),
      verifyMethod: deps.verification.method,
    }),
  };
}
