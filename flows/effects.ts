/**
 * What flows say to the world. Flows emit effects; the conversation engine renders them with i18next in the
 * conversation's language and puts them in the transcript and the outbox. Effects are commands.
 */

/** One translatable sentence: an i18n key `<flow>.<state>.<purpose>` and its parameters. */
export interface TextPart {
  key: string;
  params?: Record<string, string | number>;
}

/** A numbered choice. `synonymsKey` names a locale array of words that also select it. */
export interface ChoiceOption {
  value: string;
  labelKey: string;
  synonymsKey?: string;
}

export interface ReplyEffect {
  type: 'reply';
  parts: TextPart[];
  options?: ChoiceOption[];
  /**
   * The line that ends a question: reply with a number (number), and 0 returns to the menu (numberOrMenu), both
   * only under numbered options; only "0 returns to the menu" (menu), under a question answered by typing.
   */
  hint?: 'number' | 'numberOrMenu' | 'menu';
  /**
   * A receipt (a new request's reference): sent as the last message of the turn, after any question shown again,
   * with the turn's China date as the parameter `date`; never taken for the open question.
   */
  receipt?: true;
}

export interface SetLocaleEffect {
  type: 'setLocale';
  /** A language, or `other`: the one the conversation is not in (the notice's single language option). */
  locale: 'zh-CN' | 'en' | 'other';
}

export type FlowEffect = ReplyEffect | SetLocaleEffect;

/** Events into flows are facts. */
export type FlowEvent =
  /** `at`: when the resident sent it (ISO time, the turn's clock), for answers checked against the calendar. */
  | { type: 'user.text'; text: string; at?: string }
  | { type: 'user.choice'; value: string }
  | { type: 'user.menu' }
  | { type: 'user.human' }
  /** The resident asks how their requests stand (查进度, or a reference such as CR-7K4M-2Q9X in `text`). */
  | { type: 'user.progress'; text: string };

/** The receipt of a new request: its reference, sent last in the turn with the date (see ReplyEffect.receipt). */
export const receipt = (reference: string): ReplyEffect => ({ type: 'reply', parts: [{ key: 'common.receipt', params: { reference, date: '' } }], receipt: true });

export const reply = (parts: TextPart | TextPart[], options?: ChoiceOption[]): ReplyEffect => ({
  type: 'reply',
  parts: Array.isArray(parts) ? parts : [parts],
  ...(options ? { options } : {}),
});
