/**
 * What the question the flow waits on expects, by the state it waits in (state ids are the flow's, stable
 * across its refactorings). The flow keeps validating; this only tells the understanding layer which value
 * to look for in a sentence.
 */
export type Expectation =
  | 'choice'
  | 'idNumber'
  | 'name'
  | 'factor'
  | 'phone'
  | 'birthDate'
  | 'region'
  | 'ordinal'
  | 'month'
  | 'creditCode'
  | 'freeText';

const BY_STATE: Record<string, Expectation> = {
  awaitingIdNumber: 'idNumber',
  awaitingMemberIdNumber: 'idNumber',
  awaitingName: 'name',
  awaitingMemberName: 'name',
  awaitingNewbornName: 'name',
  awaitingNewbornBirthDate: 'birthDate',
  awaitingFactor: 'factor',
  choosingRegion: 'ordinal',
  awaitingSince: 'month',
  awaitingCreditCode: 'creditCode',
  awaitingEvidence: 'freeText',
  awaitingEmployerName: 'freeText',
  awaitingPlatformWork: 'freeText',
  awaitingBusinessName: 'freeText',
  awaitingReasonText: 'freeText',
  awaitingAnswer: 'freeText',
};

const BY_FIELD: Record<string, Expectation> = {
  name: 'name',
  sex: 'choice',
  birthDate: 'birthDate',
  idNumber: 'idNumber',
  ethnicity: 'freeText',
  phone: 'phone',
  residenceRegion: 'region',
  hukouRegion: 'region',
  residenceAddress: 'freeText',
  hukouAddress: 'freeText',
};

/** The flow's context as far as this layer reads it (from the saved snapshot). */
export interface FlowContextView {
  verifyMethod?: string;
  correction?: { field?: string };
}

export function expectationOf(state: string | null, context: FlowContextView | null): Expectation {
  if (!state) return 'choice';
  // A new value, or a new phone or ID number typed a second time (repeatingValue): what the field holds.
  if (state === 'awaitingValue' || state === 'repeatingValue') return BY_FIELD[context?.correction?.field ?? ''] ?? 'freeText';
  return BY_STATE[state] ?? 'choice';
}

/** The innermost state of a snapshot's value ({correct: {editing: 'awaitingValue'}} -> awaitingValue). */
export function leafState(value: unknown): string | null {
  let v = value;
  for (let i = 0; i < 8; i++) {
    if (typeof v === 'string') return v;
    if (!v || typeof v !== 'object') return null;
    const entries = Object.values(v as Record<string, unknown>);
    if (entries.length !== 1) return null;
    v = entries[0];
  }
  return null;
}
