import type { ChoiceOption, TextPart } from '../../flows/effects';
import type { Carry } from './understanding/understand';

/**
 * What the engine keeps with the open question (conversation.lastPrompt) besides the question itself:
 * - the questions answered before inside the same task, so 上一步 / back can return to the previous one
 *   (the flow's snapshot as it was when that question was open; at most MAX_STEPS back);
 * - after the idle timeout, the unfinished task, so a resident who comes back can go on where they were.
 * No new table: the same JSON column as the open question, written in the turn's transaction.
 */

export interface PromptView {
  parts: TextPart[];
  options?: ChoiceOption[];
}

export interface StepBack {
  snapshot: unknown;
  prompt: PromptView;
  task: string;
}

export interface Resumable {
  snapshot: unknown;
  prompt: PromptView;
  task: string;
  /** When the conversation went idle (ISO time). */
  at: string;
}

export interface StoredPrompt extends PromptView {
  /** What the understanding layer carries to the next turn (a clarifying question's guesses, a year heard). */
  carry?: Carry;
  steps?: StepBack[];
  resume?: Resumable;
}

export const MAX_STEPS = 5;
/** How long an unfinished task can be taken up again after the idle timeout. */
export const RESUME_HOURS = 24;
/** Tasks that can be resumed or stepped back in (verification is never resumed: it starts again). */
const TASKS = new Set(['correct', 'employment', 'household', 'confirm', 'status', 'questions']);

/** The task a snapshot is in: the top-level state of its value ({correct: {...}} -> correct). */
export function taskOf(snapshot: unknown): string | null {
  const v = (snapshot as { value?: unknown } | null)?.value;
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') return Object.keys(v)[0] ?? null;
  return null;
}

export const promptOnly = (p: StoredPrompt): PromptView => ({ parts: p.parts, ...(p.options ? { options: p.options } : {}) });

/**
 * The step list after a turn that moved from `before` (with its open question) to `after`: the question left
 * behind is remembered when both are in the same task, and the list is dropped when the task changes.
 */
export function nextSteps(before: unknown, beforePrompt: StoredPrompt | null, after: unknown): StepBack[] {
  const task = taskOf(after);
  if (!task || !TASKS.has(task) || taskOf(before) !== task || !beforePrompt) return [];
  const kept = (beforePrompt.steps ?? []).filter((s) => s.task === task);
  if (JSON.stringify((before as { value?: unknown }).value) === JSON.stringify((after as { value?: unknown }).value)) return kept;
  return [...kept, { snapshot: before, prompt: promptOnly(beforePrompt), task }].slice(-MAX_STEPS);
}

/** What to keep when a conversation goes idle in the middle of a task (null: nothing worth resuming). */
export function resumableOf(snapshot: unknown, prompt: StoredPrompt | null, at: Date): Resumable | null {
  const task = taskOf(snapshot);
  if (!task || !TASKS.has(task) || !prompt) return null;
  return { snapshot, prompt: promptOnly(prompt), task, at: at.toISOString() };
}

export function canResume(r: Resumable | null | undefined, now: Date): r is Resumable {
  return Boolean(r && now.getTime() - new Date(r.at).getTime() <= RESUME_HOURS * 3600_000);
}

/** "Welcome back, you were changing your phone number": the task (and the field) the snapshot was in. */
export function welcomeBack(snapshot: unknown): TextPart {
  const field = (snapshot as { context?: { correction?: { field?: string } } }).context?.correction?.field;
  const task = taskOf(snapshot) ?? 'menu';
  return task === 'correct' && field
    ? { key: 'understanding.resume.welcomeField', params: { field: `$t(correct.fields.${field})` } }
    : { key: 'understanding.resume.welcome', params: { task: `$t(understanding.resume.task_${task})` } };
}
