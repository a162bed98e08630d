import { assign, emit, enqueueActions } from 'xstate';
import { parseIdNumber } from '../../src/domain/codes/id-number';
import type { RelationshipCode, ReportMemberResult } from '../../src/domain/ports';
import { receipt, reply, type TextPart } from '../effects';
import { askChoice, askText, callPort, each } from './ask';
import { householdParts, MENU_OPTION, opt, says } from './prompts';
import { checkSince, EARLIEST_SINCE_YEAR, parseSince, residentSetup, type HouseholdDraft, type ResidentContext } from './setup';

export const RELATIONSHIPS: readonly RelationshipCode[] = ['SPOUSE', 'CHILD', 'PARENT', 'GRANDCHILD', 'SIBLING', 'OTHER'];

/** The household list kept, with more about the member being reported. */
const adding = (c: ResidentContext, more: Partial<HouseholdDraft>) => ({
  household: { hasHousehold: c.household?.hasHousehold ?? false, members: c.household?.members ?? [], ...c.household, ...more },
});

/** A report read back: the header, the name, what identifies the person (`middle`), the relationship, "is this right?". */
function readBack(c: ResidentContext, header: string, middle: (h: HouseholdDraft | undefined) => TextPart[]): TextPart[] {
  const h = c.household;
  const relationship = { key: 'household.confirmingMember.relationship', params: { value: `$t(household.relationship.${h?.relationship ?? 'OTHER'})` } };
  // A newborn may have no name yet: read back as the household list shows such a lead.
  const name = { key: 'household.confirmingMember.name', params: { value: h?.name ? h.name : '$t(household.loadingHousehold.unnamed)' } };
  return [{ key: header }, name, ...middle(h), relationship, { key: 'household.confirmingMember.prompt' }];
}

const newbornSummary = (c: ResidentContext) => readBack(c, 'household.newborn.header', (h) => [{ key: 'household.newborn.birthDate', params: { value: h?.birthDate ?? '' } }]);

const RELATIONSHIP_OPTIONS = RELATIONSHIPS.map((v) => opt(v, `household.relationship.${v}`, `household.answers.${v}`));
const CONFIRM_OPTIONS = [opt('submit', 'household.confirmingMember.optionSubmit', 'answers.yes'), opt('reenter', 'household.confirmingMember.optionReenter', 'answers.no'), MENU_OPTION];

const memberSummary = (c: ResidentContext) =>
  readBack(c, 'household.confirmingMember.header', (h): TextPart[] => [
    { key: 'household.confirmingMember.idNumber', params: { value: h?.maskedIdNumber ?? '' } },
    { key: 'household.confirmingMember.sexBirth', params: { sex: `$t(common.sex_${h?.sex ?? 'MALE'})`, birthDate: h?.birthDate ?? '' } },
  ]);

const REPORT_STEPS = {
  Newborn: { relationship: 'awaitingNewbornRelationship', who: 'the newborn', what: 'the newborn lead (name, birth date, relationship)' },
  Member: { relationship: 'awaitingRelationship', who: 'the missing member', what: 'what will be reported (ID number masked)' },
};

/** The relationship question (then confirming<Kind>), and the read-back: submitting<Kind>, enter it again (`reenter`), or the menu. */
function relationshipThenConfirm(kind: keyof typeof REPORT_STEPS, summary: (c: ResidentContext) => TextPart[], reenter: string) {
  const k = REPORT_STEPS[kind];
  return {
    [k.relationship]: askChoice({
      description: `Waits for how ${k.who} is related to the resident (numbered list).`,
      prompt: says('household.awaitingRelationship.prompt', { options: RELATIONSHIP_OPTIONS }),
      routes: each(RELATIONSHIPS, { to: `confirming${kind}`, save: (c, v) => adding(c, { relationship: v as RelationshipCode }) }),
    }),
    [`confirming${kind}`]: askChoice({
      description: `Shows ${k.what} and waits for the confirmation.`,
      prompt: { parts: summary, options: CONFIRM_OPTIONS },
      routes: { submit: `submitting${kind}`, reenter, menu: '#resident.menu' },
    }),
  };
}

/** Who reports whom: the resident and the name of the member reported. */
const reporting = (c: ResidentContext) => ({ personId: c.personId ?? '', name: c.household?.name ?? '' });

/** Only what the resident knows anyway: a member of their own household, or their own household's earlier report. */
const inHousehold = (idNumber: string) => reply({ key: 'household.checkingMember.inHousehold', params: { idNumber } });
const alreadyReported = (idNumber: string, reference: string) => reply({ key: 'household.checkingMember.alreadyReported', params: { idNumber, reference } });

/** What became of a reported member: a request with its due date (and its reference, sent last), or why none was needed. */
function reported(o: ReportMemberResult) {
  if (o.outcome === 'CREATED') return [reply({ key: 'household.submittingMember.created', params: { dueDate: o.dueDate } }), receipt(o.reference)];
  return [o.outcome === 'ALREADY_REPORTED' ? alreadyReported(o.maskedIdNumber, o.reference) : inHousehold(o.maskedIdNumber)];
}

/** No one missed in a household (户不漏人): the members on record (masked) and a report of a missing one. */
export const householdState = residentSetup.createStateConfig({
  description: 'No one missed in a household (户不漏人): shows the members on record (masked) and takes a report of a missing one.',
  initial: 'loadingHousehold',
  exit: 'clearHousehold',
  states: {
    loadingHousehold: callPort("Loads the masked list of the household's members on record.", {
      src: 'getHousehold',
      input: ({ context }) => ({ personId: context.personId ?? '' }),
      onDone: {
        target: 'awaitingHouseholdChoice',
        actions: [
          assign({ household: ({ event }) => ({ hasHousehold: event.output.hasHousehold, members: event.output.members }) }),
          emit(({ event }) => reply(householdParts(event.output))),
        ],
      },
    }),
    awaitingHouseholdChoice: askChoice({
      description: 'Offers to report someone missing from the household, or the menu.',
      prompt: says('household.awaitingHouseholdChoice.prompt', {
        options: [opt('report', 'household.awaitingHouseholdChoice.optionReport', 'household.answers.report'), MENU_OPTION],
      }),
      entry: [assign(({ context }) => ({ household: { hasHousehold: context.household?.hasHousehold ?? false, members: context.household?.members ?? [] } }))],
      routes: { report: 'awaitingMemberIdNumber', menu: '#resident.menu' },
    }),
    awaitingMemberIdNumber: askText({
      description: "Waits for the missing member's ID number (or: a newborn who has none yet).",
      prompt: says('household.awaitingMemberIdNumber.prompt', {
        example: 'household.awaitingMemberIdNumber.example',
        options: [opt('newborn', 'household.newborn.option', 'household.newborn.answers')],
      }),
      choices: { newborn: 'awaitingNewbornName' },
      valid: 'isValidIdNumber',
      to: 'checkingMember',
      save: (c, text) => {
        const r = parseIdNumber(text);
        const base = { hasHousehold: c.household?.hasHousehold ?? false, members: c.household?.members ?? [] };
        return { household: r.ok ? { ...base, idNumber: r.idNumber, sex: r.sex, birthDate: r.birthDate } : base };
      },
      error: (_c, text) => {
        const r = parseIdNumber(text);
        return { key: `household.awaitingMemberIdNumber.error_${r.ok ? 'BAD_CHECK' : r.error}` };
      },
    }),
    awaitingNewbornName: askText({
      description: 'A newborn without an ID number: explains birth registration (落户) first, then newborn medical enrolment, and asks for the name (or: no name yet).',
      lead: [{ key: 'household.newborn.explain' }],
      entry: [assign(({ context }) => ({ household: { hasHousehold: context.household?.hasHousehold ?? false, members: context.household?.members ?? [] } }))],
      prompt: says('household.newborn.namePrompt', {
        example: 'household.newborn.nameExample',
        options: [opt('noName', 'household.awaitingNewbornName.optionNoName', 'household.answers.noName')],
      }),
      // No name yet (还没起名字, "no name yet", …): the lead is recorded without one.
      choices: { noName: { to: 'awaitingNewbornBirthDate', save: (c) => adding(c, { name: '' }) } },
      valid: 'isPlausibleName',
      to: 'awaitingNewbornBirthDate',
      save: (c, text) => adding(c, { name: text.normalize('NFKC').trim() }),
      error: { key: 'household.awaitingMemberName.error' },
    }),
    awaitingNewbornBirthDate: askText({
      description: "Waits for the newborn's birth date.",
      prompt: says('household.newborn.birthDatePrompt', { example: 'household.newborn.birthDateExample' }),
      valid: 'isPastDay',
      to: 'awaitingNewbornRelationship',
      save: (c, text) => adding(c, { birthDate: parseSince(text) ?? '' }),
      // A day still to come, or before 1940, is understood and refused with why; anything else is not understood.
      error: (_c, text, e) => {
        const r = checkSince(text, e.type === 'user.text' ? e.at : undefined, 'day');
        return r.ok || r.error === 'UNREADABLE' ? { key: 'household.newborn.birthDateError' } : { key: `household.newborn.birthDateError_${r.error}`, params: { year: EARLIEST_SINCE_YEAR } };
      },
    }),
    ...relationshipThenConfirm('Newborn', newbornSummary, 'awaitingNewbornName'),
    submittingNewborn: callPort('Records the newborn as a lead for staff (a flagged NEW_PERSON request without an ID number) and tells the reference.', {
      src: 'reportNewborn',
      input: ({ context }) => ({ ...reporting(context), birthDate: context.household?.birthDate ?? '', relationship: context.household?.relationship ?? 'CHILD' }),
      onDone: {
        target: '#resident.menu',
        actions: [emit(({ event }) => reply({ key: 'household.newborn.recorded', params: { dueDate: event.output.dueDate } })), emit(({ event }) => receipt(event.output.reference))],
      },
    }),
    checkingMember: callPort("Checks whether the person is already in the resident's household or already reported by it (nothing about other households).", {
      src: 'checkMissingMember',
      input: ({ context }) => ({ personId: context.personId ?? '', idNumber: context.household?.idNumber ?? '' }),
      onDone: [
        {
          guard: ({ event }) => event.output.status === 'IN_HOUSEHOLD',
          target: 'awaitingHouseholdChoice',
          actions: emit(({ event }) => inHousehold(event.output.maskedIdNumber)),
        },
        {
          guard: ({ event }) => event.output.status === 'ALREADY_REPORTED',
          target: 'awaitingHouseholdChoice',
          actions: emit(({ event }) => alreadyReported(event.output.maskedIdNumber, event.output.status === 'ALREADY_REPORTED' ? event.output.reference : '')),
        },
        { target: 'awaitingMemberName', actions: assign(({ context, event }) => adding(context, { maskedIdNumber: event.output.maskedIdNumber })) },
      ],
    }),
    awaitingMemberName: askText({
      description: "Waits for the missing member's name.",
      prompt: says('household.awaitingMemberName.prompt', { example: 'household.awaitingMemberName.example' }),
      valid: 'isPlausibleName',
      to: 'awaitingRelationship',
      save: (c, text) => adding(c, { name: text.normalize('NFKC').trim() }),
      error: { key: 'household.awaitingMemberName.error' },
    }),
    ...relationshipThenConfirm('Member', memberSummary, 'awaitingMemberIdNumber'),
    submittingMember: callPort("Creates one NEW_PERSON change request (unless the person is in the resident's household or already reported by it) and tells the reference.", {
      src: 'reportMissingMember',
      input: ({ context }) => ({ ...reporting(context), idNumber: context.household?.idNumber ?? '', relationship: context.household?.relationship ?? 'OTHER' }),
      onDone: { target: '#resident.menu', actions: enqueueActions(({ event, enqueue }) => reported(event.output).forEach((e) => enqueue.emit(e))) },
    }),
  },
});
