/**
 * Which corrections a resident may make directly and which need a reviewer (docs/domain.md "Which changes need a
 * person to review them"): the resident's view of the person field table (registry/person-fields.ts), plus the
 * correction's own rule that sex and birth date must agree with the ID number. Region fields are checked
 * against the region table by change-request.service.ts (they need the database); everything else is here.
 */
import { parseIdNumber } from '../codes/id-number';
import { CORRECTABLE_FIELDS, type CorrectableField, type CorrectionError, type FieldPolicyKind } from '../ports';
import { parsePersonField, PERSON_FIELDS, type FieldKind } from '../registry/person-fields';
import type { DataQualityFlagName } from '../registry/person-flags';

export interface FieldRule {
  policy: FieldPolicyKind;
  kind: FieldKind;
  /** Flags recomputed after the field changed. */
  flags: readonly DataQualityFlagName[];
}

/**
 * The field policy. Every correctable field is a Person column of the same name.
 * DIRECT: applied to the person at once and audited with old and new value.
 * REVIEWED: a FIELD_CHANGE change request with frozen values; the person becomes PENDING_REVIEW and the
 * county agency answers within 3 working days.
 */
export const FIELD_POLICY: Readonly<Record<CorrectableField, FieldRule>> = Object.fromEntries(
  CORRECTABLE_FIELDS.map((f): [CorrectableField, FieldRule] => {
    const spec = PERSON_FIELDS[f];
    if (!spec.correction) throw new Error(`${f} is offered for correction but has no correction policy`);
    return [f, { policy: spec.correction, kind: spec.kind, flags: spec.flags }];
  }),
) as Record<CorrectableField, FieldRule>;

/** After a change of these fields the bot offers to change the other at once: a new residence region makes the old
 * street address (of the old place) wrong. */
export const ASK_NEXT: Partial<Record<CorrectableField, CorrectableField>> = { residenceRegion: 'residenceAddress' };

/** The fields in the order the bot offers them (defined with the ports, which the flow shares). */
export { CORRECTABLE_FIELDS };

export const isCorrectableField = (v: string): v is CorrectableField => (CORRECTABLE_FIELDS as readonly string[]).includes(v);

export function policyOf(field: CorrectableField): FieldPolicyKind {
  return FIELD_POLICY[field].policy;
}

export type FieldValueResult = { ok: true; value: string } | { ok: false; error: CorrectionError };

/** What a value is checked against: the person's ID number (it encodes sex and birth date). */
export interface FieldCheckContext {
  idNumber: string;
  /** Names of an ethnicity code in every language (from the locale files). */
  ethnicityNames: (code: string) => readonly string[];
  today: Date;
}

/**
 * Reads and checks a proposed value of a non-region field by the field's rule. A correction needs a value (a
 * blank is refused), and sex and birth date must agree with the person's ID number (it encodes them; a
 * contradiction is refused, the resident should correct the ID number instead).
 */
export function parseFieldValue(field: CorrectableField, raw: string, ctx: FieldCheckContext): FieldValueResult {
  const spec = PERSON_FIELDS[field];
  if (spec.kind === 'region') throw new Error(`${field} is a region: check it against the region table (change-request.service)`);
  const r = parsePersonField(field, raw, { today: ctx.today, ethnicityNames: ctx.ethnicityNames });
  if (!r.ok) return { ok: false, error: r.error as CorrectionError };
  if (r.value === null) return { ok: false, error: field === 'idNumber' ? 'ID_EMPTY' : (spec.error as CorrectionError) };
  if (field === 'sex' || field === 'birthDate') {
    const id = parseIdNumber(ctx.idNumber, { today: ctx.today });
    const encoded = id.ok ? (field === 'sex' ? id.sex : id.birthDate) : null;
    if (encoded && encoded !== r.value) return { ok: false, error: field === 'sex' ? 'SEX_CONTRADICTS_ID' : 'BIRTH_DATE_CONTRADICTS_ID' };
  }
  return { ok: true, value: r.value };
}
