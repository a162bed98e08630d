import { assign, emit } from 'xstate';
import { reply } from '../effects';
import { askChoice, askText, callPort } from './ask';
import { opt } from './prompts';
import { residentSetup } from './setup';

/** A reviewer's question about one of the resident's requests, asked after verification and before the menu. */
export const questionsState = residentSetup.createStateConfig({
  description: "Asks a verified resident any open reviewer's question about their requests before the menu.",
  initial: 'loadingQuestions',
  exit: assign({ openQuestion: undefined, pendingAnswer: undefined }),
  states: {
    loadingQuestions: {
      description: 'Looks for requests a reviewer sent back with a question (NEEDS_INFO).',
      invoke: {
        src: 'getOpenQuestions',
        input: ({ context }) => ({ personId: context.personId ?? '' }),
        onDone: [
          { guard: ({ event }) => event.output.length > 0, target: 'awaitingAnswer', actions: assign({ openQuestion: ({ event }) => event.output[0] }) },
          { target: '#resident.menu' },
        ],
        onError: { target: '#resident.menu' },
      },
    },
    awaitingAnswer: askText({
      description: "Shows the reviewer's question and waits for the resident's answer (or 'later').",
      prompt: {
        parts: (c) => [
          { key: 'questions.awaitingAnswer.prompt', params: { reference: c.openQuestion?.reference ?? '', question: c.openQuestion?.question ?? '' } },
        ],
        options: [opt('later', 'questions.awaitingAnswer.optionLater', 'answers.later')],
        example: 'questions.awaitingAnswer.example',
      },
      choices: { later: '#resident.menu' },
      valid: 'isAnswerText',
      to: 'confirmingAnswer',
      save: (_c, text) => ({ pendingAnswer: text.trim() }),
      error: { key: 'questions.awaitingAnswer.error' },
    }),
    confirmingAnswer: askChoice({
      description: 'Reads the answer back and waits for the resident to send it or type it again.',
      prompt: {
        parts: (c) => [{ key: 'questions.confirmingAnswer.prompt', params: { answer: c.pendingAnswer ?? '' } }],
        options: [opt('send', 'questions.confirmingAnswer.optionSend', 'answers.yes'), opt('reenter', 'questions.confirmingAnswer.optionReenter', 'answers.no')],
      },
      routes: { send: 'savingAnswer', reenter: 'awaitingAnswer' },
    }),
    savingAnswer: callPort('Sends the answer back to the request, which returns to the review queue.', {
      src: 'answerQuestion',
      input: ({ context }) => ({ personId: context.personId ?? '', requestId: context.openQuestion?.requestId ?? '', answer: context.pendingAnswer ?? '' }),
      onDone: {
        target: 'loadingQuestions',
        actions: emit(({ event }) => reply({ key: event.output.ok ? 'questions.savingAnswer.done' : 'questions.savingAnswer.closed', params: { reference: event.output.reference } })),
      },
    }),
  },
});
