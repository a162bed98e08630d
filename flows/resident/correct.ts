import { assign, emit, enqueueActions } from 'xstate';
import { CORRECTABLE_FIELDS, type CorrectableField } from '../../src/domain/ports';
import { receipt, reply, type FlowEvent, type TextPart } from '../effects';
import { askChoice, askText, callPort, each } from './ask';
import { ask, MENU_OPTION, opt, reask, says, type Prompt } from './prompts';
import { residentSetup, textOf, tidyText, type ResidentContext } from './setup';

/** The fields a resident can correct, in the order offered (numbered 1-10). */
export const CORRECTION_FIELDS: readonly CorrectableField[] = CORRECTABLE_FIELDS;

const fieldOf = (c: ResidentContext): CorrectableField => c.correction?.field ?? 'name';
/** The draft reset to the chosen field with a new raw value to check. */
const withRaw = (c: ResidentContext, raw: string) => ({ correction: { field: fieldOf(c), raw } });

function changeSummary(c: ResidentContext): TextPart[] {
  const d = c.correction;
  return [
    {
      key: 'correct.confirmingChange.summary',
      params: { field: `$t(correct.fields.${fieldOf(c)})`, old: d?.oldDisplay ?? '$t(common.notOnRecord)', new: d?.newDisplay ?? '' },
    },
    { key: d?.policy === 'DIRECT' ? 'correct.confirmingChange.promptDirect' : 'correct.confirmingChange.promptReviewed' },
  ];
}

const VALUE: Prompt = {
  parts: (c) => [{ key: `correct.awaitingValue.prompt_${fieldOf(c)}` }],
  options: (c) => (fieldOf(c) === 'sex' ? [opt('MALE', 'common.sex_MALE', 'correct.answers.male'), opt('FEMALE', 'common.sex_FEMALE', 'correct.answers.female')] : undefined),
  example: (c) => `correct.awaitingValue.example_${fieldOf(c)}`,
};
const AGAIN: Prompt = says('correct.repeatingValue.prompt', { typed: true });
const notTheSame = [
  'noteFailure' as const,
  residentSetup.assign({ correction: ({ context }) => ({ field: fieldOf(context) }) }),
  residentSetup.emit(({ context }) => reask(VALUE, context, { key: 'correct.repeatingValue.error' })),
];
const REGION: Prompt = {
  parts: (c) => [
    { key: 'correct.choosingRegion.prompt' },
    ...(c.correction?.matches ?? []).map((m, i) => ({ key: 'correct.choosingRegion.match', params: { n: i + 1, label: m.label } })),
    { key: 'correct.choosingRegion.hint' },
  ],
  example: 'correct.choosingRegion.example',
};
const regionError = ['noteFailure' as const, residentSetup.emit(({ context }) => reask(REGION, context, { key: 'correct.choosingRegion.error' }))];
const BACK_TO_FIELDS = new Set<string>(['UNCHANGED', 'SEX_CONTRADICTS_ID', 'BIRTH_DATE_CONTRADICTS_ID']);
const alreadyPending = (reference: string) => reply({ key: 'correct.checkingValue.alreadyPending', params: { reference } });

/** The field question, which also takes a mobile number typed instead (换成139…): the new phone, checked at once. */
function fieldQuestion() {
  const q = askChoice({
    description: 'Waits for the field to correct (numbered list of ten fields), or a new mobile number.',
    prompt: says('correct.awaitingField.prompt', { options: CORRECTION_FIELDS.map((f) => opt(f, `correct.fields.${f}`, `correct.answers.${f}`)) }),
    entry: ['clearCorrection'],
    routes: each(CORRECTION_FIELDS, { to: 'enteringValue', save: (_c, value) => ({ correction: { field: value as CorrectableField } }) }),
  });
  const phone = {
    guard: ({ event }: { event: FlowEvent }) => /^1[3-9]\d{9}$/u.test(textOf(event).normalize('NFKC').replace(/[\s-]/gu, '')),
    target: 'enteringValue.checkingValue',
    actions: assign(({ event }: { event: FlowEvent }) => ({ correction: { field: 'phone' as const, raw: textOf(event) } })),
  };
  return { ...q, on: { ...q.on, 'user.text': [phone, q.on!['user.text']] } } as typeof q;
}

/**
 * Corrects one detail: choose the field, give the new value, compare old (masked) and new, confirm. The domain's
 * field policy decides whether it is applied at once or reviewed by staff (then with a short explanation).
 */
export const correctState = residentSetup.createStateConfig({
  description:
    'Corrects one detail: choose the field, give the new value, compare old (masked) and new, confirm. The domain field policy decides whether it is applied at once or reviewed by staff.',
  initial: 'awaitingField',
  exit: 'clearCorrection',
  states: {
    awaitingField: fieldQuestion(),
    enteringValue: {
      description: 'Asks for the new value and checks it (format, region table, agreement with the ID number).',
      initial: 'awaitingValue',
      // A value already given (a phone number typed at the field question) is checked without asking for it.
      entry: ['resetFailures', enqueueActions(({ context, enqueue }) => void (context.correction?.raw === undefined && enqueue.emit(ask(VALUE, context))))],
      states: {
        awaitingValue: {
          description: 'Waits for the new value of the chosen field (for sex: a numbered choice).',
          tags: ['awaitingInput'],
          on: {
            'user.text': { target: 'checkingValue', actions: assign(({ context, event }) => withRaw(context, textOf(event))) },
            'user.choice': { target: 'checkingValue', actions: assign(({ context, event }) => withRaw(context, textOf(event))) },
          },
        },
        choosingRegion: {
          description: 'Several regions match the typed name: waits for the number of the right one (or another name or code).',
          tags: ['awaitingInput'],
          entry: emit(({ context }) => ask(REGION, context)),
          on: {
            'user.text': [
              {
                guard: 'isRegionPick',
                target: 'checkingValue',
                actions: assign(({ context, event }) =>
                  withRaw(context, context.correction?.matches?.[Number(textOf(event).normalize('NFKC').trim()) - 1]?.code ?? ''),
                ),
              },
              { guard: ({ event }) => /^\d{1,2}$/.test(textOf(event).normalize('NFKC').trim()), actions: regionError },
              { target: 'checkingValue', actions: assign(({ context, event }) => withRaw(context, textOf(event))) },
            ],
            'user.choice': { actions: regionError },
          },
        },
        checkedValue: {
          description: 'A checked value: one shown masked (a new phone or ID number, DOMAIN.md) is typed again first; any other goes to the confirmation.',
          always: [{ guard: ({ context }) => Boolean(context.correction?.retype), target: 'repeatingValue' }, { target: '#resident.correct.confirmingChange' }],
        },
        repeatingValue: {
          description: 'Waits for the new phone or ID number a second time: the same goes to the confirmation (which shows it masked); another asks for the number anew.',
          tags: ['awaitingInput'],
          entry: emit(({ context }) => ask(AGAIN, context)),
          on: {
            'user.text': [{ guard: 'isSameNumber', target: '#resident.correct.confirmingChange' }, { target: 'awaitingValue', actions: notTheSame }],
            'user.choice': { target: 'awaitingValue', actions: notTheSame },
          },
        },
        checkingValue: callPort('Checks the value with the domain (which also says whether the change is direct or reviewed).', {
          src: 'checkCorrection',
          input: ({ context }) => ({ personId: context.personId ?? '', field: fieldOf(context), value: context.correction?.raw ?? '' }),
          onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'checkedValue',
              actions: assign({
                correction: ({ context, event }) => {
                  const o = event.output;
                  if (!o.ok) return context.correction;
                  return {
                    field: fieldOf(context),
                    value: o.value,
                    policy: o.policy,
                    newDisplay: o.newDisplay,
                    ...(o.oldDisplay !== undefined ? { oldDisplay: o.oldDisplay } : {}),
                    ...(o.retype ? { retype: true as const } : {}),
                  };
                },
              }),
            },
            {
              guard: ({ event }) => !event.output.ok && event.output.error === 'CHOOSE_REGION',
              target: 'choosingRegion',
              actions: assign({
                correction: ({ context, event }) => ({
                  field: fieldOf(context),
                  matches: !event.output.ok && event.output.error === 'CHOOSE_REGION' ? event.output.matches : [],
                }),
              }),
            },
            {
              guard: ({ event }) => !event.output.ok && event.output.error === 'ALREADY_PENDING',
              target: '#resident.menu',
              actions: emit(({ event }) => alreadyPending(!event.output.ok && event.output.error === 'ALREADY_PENDING' ? event.output.reference : '')),
            },
            {
              // Nothing to change, or a value only the ID number decides (sex, birth date): back to the fields.
              guard: ({ event }) => !event.output.ok && BACK_TO_FIELDS.has(event.output.error),
              target: '#resident.correct.awaitingField',
              actions: emit(({ event }) => reply({ key: `correct.awaitingValue.error_${event.output.ok ? 'UNCHANGED' : event.output.error}` })),
            },
            {
              target: 'awaitingValue',
              actions: [
                'noteFailure',
                assign({ correction: ({ context }) => ({ field: fieldOf(context) }) }),
                emit(({ context, event }) => reask(VALUE, context, { key: `correct.awaitingValue.error_${event.output.ok ? 'UNCHANGED' : event.output.error}` })),
              ],
            },
          ],
        }),
      },
    },
    confirmingChange: askChoice({
      description: 'Shows the old (masked) and the new value and waits for the confirmation.',
      prompt: {
        parts: changeSummary,
        options: [opt('submit', 'correct.confirmingChange.optionSubmit', 'answers.yes'), opt('reenter', 'correct.confirmingChange.optionReenter', 'answers.no'), MENU_OPTION],
      },
      routes: {
        submit: [{ if: (c) => c.correction?.policy === 'DIRECT', to: 'submittingChange' }, 'awaitingEvidence'],
        reenter: 'enteringValue',
        menu: '#resident.menu',
      },
    }),
    awaitingEvidence: askText({
      description: 'A reviewed change: waits for a short explanation (why, which document) for the reviewer.',
      prompt: says('correct.awaitingEvidence.prompt', { example: 'correct.awaitingEvidence.example' }),
      valid: 'isEvidenceText',
      to: 'submittingChange',
      save: (c, text) => ({ correction: { ...(c.correction ?? { field: fieldOf(c) }), evidence: tidyText(text) } }),
      error: { key: 'correct.awaitingEvidence.error' },
    }),
    submittingChange: callPort('Applies a direct change, or submits a reviewed one and tells the reference and the answer date.', {
      src: 'submitCorrection',
      input: ({ context }) => ({
        personId: context.personId ?? '',
        field: fieldOf(context),
        value: context.correction?.value ?? '',
        ...(context.correction?.evidence ? { evidence: context.correction.evidence } : {}),
      }),
      onDone: [
        {
          guard: ({ event }) => event.output.outcome === 'APPLIED',
          target: 'changeApplied',
          actions: assign({ correction: ({ context, event }) => ({ field: fieldOf(context), ...(event.output.outcome === 'APPLIED' && event.output.next ? { next: event.output.next } : {}) }) }),
        },
        {
          guard: ({ event }) => event.output.outcome === 'SUBMITTED',
          target: '#resident.menu',
          actions: [
            emit(({ event }) => reply({ key: 'correct.submittingChange.submitted', params: { dueDate: event.output.outcome === 'SUBMITTED' ? event.output.dueDate : '' } })),
            emit(({ event }) => receipt(event.output.outcome === 'SUBMITTED' ? event.output.reference : '')),
          ],
        },
        {
          guard: ({ event }) => event.output.outcome === 'ALREADY_PENDING',
          target: '#resident.menu',
          actions: emit(({ event }) => alreadyPending(event.output.outcome === 'ALREADY_PENDING' ? event.output.reference : '')),
        },
        {
          target: 'enteringValue',
          actions: emit(({ event }) => reply({ key: `correct.awaitingValue.error_${event.output.outcome === 'REFUSED' ? event.output.error : 'UNCHANGED'}` })),
        },
      ],
    }),
    changeApplied: {
      description: 'Says which detail was changed (while the draft is still known), then offers the field the domain names next, or returns to the menu.',
      entry: emit(({ context }) => reply({ key: 'correct.submittingChange.applied', params: { field: `$t(correct.fields.${fieldOf(context)})` } })),
      always: [{ guard: ({ context }) => Boolean(context.correction?.next), target: 'offeringNext' }, { target: '#resident.menu' }],
    },
    offeringNext: askChoice({
      description: 'A new residence region was applied: offers to change the street address too (the old one is of the old place).',
      prompt: {
        parts: (c) => [{ key: `correct.offeringNext.prompt_${c.correction?.next ?? 'residenceAddress'}` }],
        options: [opt('change', 'correct.offeringNext.optionChange', 'answers.yes'), opt('keep', 'correct.offeringNext.optionKeep', 'answers.no')],
      },
      routes: { change: { to: 'enteringValue', save: (c) => ({ correction: { field: c.correction?.next ?? 'residenceAddress' } }) }, keep: '#resident.menu' },
    }),
  },
});
