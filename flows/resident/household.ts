import { assign, emit, enqueueActions } from 'xstate';
import { parseIdNumber } from '../../src/domain/codes/id-number';
import type { RelationshipCode, ReportMemberResult } from '../../src/domain/ports';
import { receipt, reply, type TextPart } from '../effects';
import { askChoice, askText, each } from './ask';
import { householdParts, MENU_OPTION, opt, says } from './prompts';
import { parseSince, residentSetup, type HouseholdDraft, type ResidentContext } from './setup';

export const RELATIONSHIPS: readonly RelationshipCode[] = ['SPOUSE', 'CHILD', 'PARENT', 'GRANDCHILD', 'SIBLING', 'OTHER'];

/** The household list kept, with more about the member being reported. */
const adding = (c: ResidentContext, more: Partial<HouseholdDraft>) => ({
  household: { hasHousehold: c.household?.hasHousehold ?? false, members: c.household?.members ?? [], ...c.household, ...more },
});

function newbornSummary(c: ResidentContext): TextPart[] {
  const h = c.household;
  return [
    { key: 'household.newborn.header' },
    { key: 'household.confirmingMember.name', params: { value: h?.name ?? '' } },
    { key: 'household.newborn.birthDate', params: { value: h?.birthDate ?? '' } },
    { key: 'household.confirmingMember.relationship', params: { value: `$t(household.relationship.${h?.relationship ?? 'OTHER'})` } },
    { key: 'household.confirmingMember.prompt' },
  ];
}

const RELATIONSHIP_OPTIONS = RELATIONSHIPS.map((v) => opt(v, `household.relationship.${v}`, `household.answers.${v}`));
const CONFIRM_OPTIONS = [opt('submit', 'household.confirmingMember.optionSubmit', 'answers.yes'), opt('reenter', 'household.confirmingMember.optionReenter', 'answers.no'), MENU_OPTION];

function memberSummary(c: ResidentContext): TextPart[] {
  const h = c.household;
  return [
    { key: 'household.confirmingMember.header' },
    { key: 'household.confirmingMember.name', params: { value: h?.name ?? '' } },
    { key: 'household.confirmingMember.idNumber', params: { value: h?.maskedIdNumber ?? '' } },
    { key: 'household.confirmingMember.sexBirth', params: { sex: `$t(common.sex_${h?.sex ?? 'MALE'})`, birthDate: h?.birthDate ?? '' } },
    { key: 'household.confirmingMember.relationship', params: { value: `$t(household.relationship.${h?.relationship ?? 'OTHER'})` } },
    { key: 'household.confirmingMember.prompt' },
  ];
}

const inRegistry = (idNumber: string) => reply({ key: 'household.checkingMember.inRegistry', params: { idNumber } });
const alreadyReported = (idNumber: string, reference: string) => reply({ key: 'household.checkingMember.alreadyReported', params: { idNumber, reference } });

/** What became of a reported member: a request with its due date (and its reference, sent last), or why none was needed. */
function reported(o: ReportMemberResult) {
  if (o.outcome === 'CREATED') return [reply({ key: 'household.submittingMember.created', params: { dueDate: o.dueDate } }), receipt(o.reference)];
  return [o.outcome === 'ALREADY_REPORTED' ? alreadyReported(o.maskedIdNumber, o.reference) : inRegistry(o.maskedIdNumber)];
}

/** No one missed in a household (户不漏人): the members on record (masked) and a report of a missing one. */
export const householdState = residentSetup.createStateConfig({
  description: 'No one missed in a household (户不漏人): shows the members on record (masked) and takes a report of a missing one.',
  initial: 'loadingHousehold',
  exit: 'clearHousehold',
  states: {
    loadingHousehold: {
      description: "Loads the masked list of the household's members on record.",
      invoke: {
        src: 'getHousehold',
        input: ({ context }) => ({ personId: context.personId ?? '' }),
        onDone: {
          target: 'awaitingHouseholdChoice',
          actions: [
            assign({ household: ({ event }) => ({ hasHousehold: event.output.hasHousehold, members: event.output.members }) }),
            emit(({ event }) => reply(householdParts(event.output))),
          ],
        },
        onError: { target: '#resident.failed' },
      },
    },
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
      description: 'A newborn without an ID number: explains birth registration (落户) first, then newborn medical enrolment, and asks for the name.',
      lead: [{ key: 'household.newborn.explain' }],
      entry: [assign(({ context }) => ({ household: { hasHousehold: context.household?.hasHousehold ?? false, members: context.household?.members ?? [] } }))],
      prompt: says('household.newborn.namePrompt', { example: 'household.newborn.nameExample' }),
      valid: 'isPlausibleName',
      to: 'awaitingNewbornBirthDate',
      save: (c, text) => adding(c, { name: text.normalize('NFKC').trim() }),
      error: { key: 'household.awaitingMemberName.error' },
    }),
    awaitingNewbornBirthDate: askText({
      description: "Waits for the newborn's birth date.",
      prompt: says('household.newborn.birthDatePrompt', { example: 'household.newborn.birthDateExample' }),
      valid: 'isSinceDate',
      to: 'awaitingNewbornRelationship',
      save: (c, text) => adding(c, { birthDate: parseSince(text) ?? '' }),
      error: { key: 'household.newborn.birthDateError' },
    }),
    awaitingNewbornRelationship: askChoice({
      description: 'Waits for how the newborn is related to the resident (numbered list).',
      prompt: says('household.awaitingRelationship.prompt', { options: RELATIONSHIP_OPTIONS }),
      routes: each(RELATIONSHIPS, { to: 'confirmingNewborn', save: (c, v) => adding(c, { relationship: v as RelationshipCode }) }),
    }),
    confirmingNewborn: askChoice({
      description: 'Shows the newborn lead (name, birth date, relationship) and waits for the confirmation.',
      prompt: { parts: newbornSummary, options: CONFIRM_OPTIONS },
      routes: { submit: 'submittingNewborn', reenter: 'awaitingNewbornName', menu: '#resident.menu' },
    }),
    submittingNewborn: {
      description: 'Records the newborn as a lead for staff (a flagged NEW_PERSON request without an ID number) and tells the reference.',
      invoke: {
        src: 'reportNewborn',
        input: ({ context }) => ({
          personId: context.personId ?? '',
          name: context.household?.name ?? '',
          birthDate: context.household?.birthDate ?? '',
          relationship: context.household?.relationship ?? 'CHILD',
        }),
        onDone: {
          target: '#resident.menu',
          actions: [emit(({ event }) => reply({ key: 'household.newborn.recorded', params: { dueDate: event.output.dueDate } })), emit(({ event }) => receipt(event.output.reference))],
        },
        onError: { target: '#resident.failed' },
      },
    },
    checkingMember: {
      description: 'Checks whether the person is already in the registry or already reported.',
      invoke: {
        src: 'checkMissingMember',
        input: ({ context }) => ({ personId: context.personId ?? '', idNumber: context.household?.idNumber ?? '' }),
        onDone: [
          {
            guard: ({ event }) => event.output.status === 'IN_REGISTRY',
            target: 'awaitingHouseholdChoice',
            actions: emit(({ event }) => inRegistry(event.output.maskedIdNumber)),
          },
          {
            guard: ({ event }) => event.output.status === 'ALREADY_REPORTED',
            target: 'awaitingHouseholdChoice',
            actions: emit(({ event }) => alreadyReported(event.output.maskedIdNumber, event.output.status === 'ALREADY_REPORTED' ? event.output.reference : '')),
          },
          { target: 'awaitingMemberName', actions: assign(({ context, event }) => adding(context, { maskedIdNumber: event.output.maskedIdNumber })) },
        ],
        onError: { target: '#resident.failed' },
      },
    },
    awaitingMemberName: askText({
      description: "Waits for the missing member's name.",
      prompt: says('household.awaitingMemberName.prompt', { example: 'household.awaitingMemberName.example' }),
      valid: 'isPlausibleName',
      to: 'awaitingRelationship',
      save: (c, text) => adding(c, { name: text.normalize('NFKC').trim() }),
      error: { key: 'household.awaitingMemberName.error' },
    }),
    awaitingRelationship: askChoice({
      description: 'Waits for how the missing member is related to the resident (numbered list).',
      prompt: says('household.awaitingRelationship.prompt', { options: RELATIONSHIP_OPTIONS }),
      routes: each(RELATIONSHIPS, { to: 'confirmingMember', save: (c, v) => adding(c, { relationship: v as RelationshipCode }) }),
    }),
    confirmingMember: askChoice({
      description: 'Shows what will be reported (ID number masked) and waits for the confirmation.',
      prompt: { parts: memberSummary, options: CONFIRM_OPTIONS },
      routes: { submit: 'submittingMember', reenter: 'awaitingMemberIdNumber', menu: '#resident.menu' },
    }),
    submittingMember: {
      description: 'Creates one NEW_PERSON change request (unless the person is known or already reported) and tells the reference.',
      invoke: {
        src: 'reportMissingMember',
        input: ({ context }) => ({
          personId: context.personId ?? '',
          idNumber: context.household?.idNumber ?? '',
          name: context.household?.name ?? '',
          relationship: context.household?.relationship ?? 'OTHER',
        }),
        onDone: { target: '#resident.menu', actions: enqueueActions(({ event, enqueue }) => reported(event.output).forEach((e) => enqueue.emit(e))) },
        onError: { target: '#resident.failed' },
      },
    },
  },
});
