import type { i18n } from 'i18next';
import { provideResidentPorts, PRIVACY_NOTICE_VERSION, RESIDENT_FLOW_ID, RESIDENT_FLOW_VERSION, type ResidentInput } from '../../flows/resident.flow';
import { requestHandoff } from '../domain/handoff.service';
import type { ResidentPorts } from '../domain/ports';
import { confirmRegistration, requestHouseholdVisit } from '../domain/registration.service';
import { getEnrolmentStatusView, getMaskedDetails } from '../domain/resident-view.service';
import { checkIdentity, verifyFactor, type SmsSender, type VerificationPolicy } from '../domain/verification.service';
import type { FlowBinding, TurnContext } from './engine';

export interface ResidentPortDeps {
  i18n: i18n;
  verification: VerificationPolicy;
  bindingDays: number;
  sms?: SmsSender;
}

/** The real ports of the resident flow, bound to one turn's transaction and conversation. */
export function createResidentPorts(turn: TurnContext, deps: ResidentPortDeps): ResidentPorts {
  const { tx, conversationId, channel, now } = turn;
  const endpointKey = `${channel}:${turn.endpoint}`;
  return {
    async acknowledgeNotice({ noticeVersion }) {
      const seen = await tx.noticeAcknowledgement.findFirst({ where: { conversationId, noticeVersion } });
      if (!seen) {
        await tx.noticeAcknowledgement.create({
          data: { conversationId, channel, endpoint: turn.endpoint, personId: turn.personId, noticeVersion, locale: turn.locale, acknowledgedAt: now },
        });
      }
    },
    checkIdentity: (input) => checkIdentity(tx, { ...input, endpointKey, now }, deps.verification, deps.sms),
    async verifyFactor(input) {
      const r = await verifyFactor(tx, { ...input, endpointKey, now, source: channel }, deps.verification);
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
    requestVisit: ({ personId, reason }) => requestHouseholdVisit(tx, { personId, reason, channel, conversationId, now }),
    async requestHuman({ reason }) {
      await requestHandoff(tx, { conversationId, reason, personId: turn.personId, channel, now });
    },
    getStatus: ({ personId }) => getEnrolmentStatusView(tx, personId),
    getDetails: ({ personId }) => getMaskedDetails(tx, personId),
    confirmRegistration: ({ personId }) => confirmRegistration(tx, { personId, channel, conversationId, now }),
    async signOut() {
      turn.personId = null;
      await tx.conversation.update({ where: { id: conversationId }, data: { personId: null, boundUntil: null } });
    },
  };
}

/** The resident flow as the engine runs it. */
export function residentFlowBinding(deps: ResidentPortDeps): FlowBinding {
  return {
    id: RESIDENT_FLOW_ID,
    version: RESIDENT_FLOW_VERSION,
    noticeVersion: PRIVACY_NOTICE_VERSION,
    machine: (turn) => provideResidentPorts(createResidentPorts(turn, deps)),
    input: (turn): ResidentInput => ({
      noticeAcknowledged: turn.noticeAcknowledged,
      ...(turn.personId ? { personId: turn.personId } : {}),
      verifyMethod: deps.verification.method,
    }),
  };
}
