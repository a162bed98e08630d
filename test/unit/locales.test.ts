import fs from 'node:fs';
import path from 'node:path';
import { CORRECTION_FIELDS, EMPLOYMENT_STATUSES, NON_ENROLMENT_REASONS, RELATIONSHIPS } from '../../flows/resident';
import { ETHNICITY_CODES } from '../../src/domain/codes/ethnicity';
import { ID_NUMBER_ERRORS } from '../../src/domain/codes/id-number';
import { INSURANCE_TYPES } from '../../src/domain/codes/insurance';
import { TEMPLATE_NAMES } from '../../src/domain/campaigns/campaign.service';
import { VISIT_COLUMNS } from '../../src/domain/visits/visit-list.service';
import { VISIT_REQUEST_OUTCOMES, VISIT_REQUEST_REASONS } from '../../src/domain/visits/visit-request.service';
import { DataQualityFlag, RegistrationStatus, Sex } from '../../src/generated/prisma/enums';
import { createI18n, loadLocaleResources, LOCALES, type Locale } from '../../src/lib/i18n';
import { CORRECTION_ERRORS } from '../../src/domain/ports';

/**
 * The locale files: every language has the same keys, nothing is empty, the words the bot accepts are lists, and
 * every key the code uses exists in every language. Keys in the code are found by reading the sources: string
 * literals shaped like keys (and "$t(key)" references), and template literals such as
 * `verify.awaitingIdNumber.error_${code}`, expanded over the values the placeholder can take (EXPANSIONS).
 */

const ROOT = path.resolve(__dirname, '../..');
const resources = Object.fromEntries(LOCALES.map((l) => [l, loadLocaleResources(l)])) as Record<Locale, Record<string, unknown>>;

/** Leaf path → value (arrays are leaves: the words the bot accepts). */
function flatten(v: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, v);
  }
  return out;
}

const flat = Object.fromEntries(LOCALES.map((l) => [l, flatten(resources[l])])) as Record<Locale, Map<string, unknown>>;
const NAMESPACES = new Set(LOCALES.flatMap((l) => Object.keys(resources[l])));
/** Word lists: the words the bot accepts, and the understanding layer's example sentences (intents, states, outOfScope, FAQ questions). */
const isWordList = (key: string) => key.startsWith('commands.') || key.startsWith('answers.') || key.split('.').includes('answers') || /^understanding\.(intents\.|states\.|focus\.|outOfScope$|faq\.[^.]+\.q$)/.test(key);

function lookup(lng: Locale, key: string): unknown {
  let cur: unknown = resources[lng];
  for (const seg of key.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** i18next plural forms: `age_one`, `age_other` are forms of `age`; languages have different sets of forms. */
const PLURAL = /_(zero|one|two|few|many|other)$/;
const baseKey = (k: string) => k.replace(PLURAL, '');
const keySet = (lng: Locale) => new Set([...flat[lng].keys()].map(baseKey));
/** A key as the code uses it exists: as a text or list, a subtree, or plural forms. */
const exists = (lng: Locale, key: string) => lookup(lng, key) !== undefined || lookup(lng, `${key}_other`) !== undefined;

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]!).sort();
const nestedRefs = (s: string) => [...s.matchAll(/\$t\(([\w.-]+)\)/g)].map((m) => m[1]!);

describe('locale files', () => {
  it('every language has exactly the keys of zh-CN (plural forms aside), and every plural has its "other" form', () => {
    const zh = [...keySet('zh-CN')].sort();
    for (const lng of LOCALES) {
      const keys = keySet(lng);
      expect({ lng, missing: zh.filter((k) => !keys.has(k)) }).toEqual({ lng, missing: [] });
      expect({ lng, extra: [...keys].filter((k) => !keySet('zh-CN').has(k)) }).toEqual({ lng, extra: [] });
      const plurals = [...flat[lng].keys()].filter((k) => PLURAL.test(k)).map(baseKey);
      expect({ lng, withoutOther: plurals.filter((k) => !flat[lng].has(`${k}_other`)) }).toEqual({ lng, withoutOther: [] });
    }
  });

  it('has no empty texts, and a text in one language is a text in every language', () => {
    const problems: string[] = [];
    for (const lng of LOCALES) {
      for (const [key, v] of flat[lng]) {
        const kind = Array.isArray(v) ? 'list' : typeof v;
        const zhValue = flat['zh-CN'].get(key) ?? flat['zh-CN'].get(`${baseKey(key)}_other`);
        const zhKind = Array.isArray(zhValue) ? 'list' : typeof zhValue;
        if (kind !== zhKind) problems.push(`${lng} ${key} is a ${kind}, in zh-CN a ${zhKind}`);
        if (typeof v === 'string' && !v.trim()) problems.push(`${lng} ${key} is empty`);
        if (kind !== 'string' && kind !== 'list') problems.push(`${lng} ${key} is a ${kind}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists the words the bot accepts (commands.*, answers.*) as non-empty lists of non-empty words, and only there', () => {
    const problems: string[] = [];
    for (const lng of LOCALES) {
      for (const [key, v] of flat[lng]) {
        if (!isWordList(key)) {
          if (Array.isArray(v)) problems.push(`${lng} ${key} is a list outside commands/answers`);
          continue;
        }
        if (!Array.isArray(v) || v.length === 0) problems.push(`${lng} ${key} must be a non-empty list`);
        else if (v.some((w) => typeof w !== 'string' || !w.trim())) problems.push(`${lng} ${key} has an empty word`);
        // "1", "2" … always mean the numbered option; a digit in a list of words is never reached.
        else if (key.split('.').includes('answers') && v.some((w) => /^\d{1,2}$/.test(String(w).trim()))) problems.push(`${lng} ${key} has a number as a word`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses the same {{placeholders}} in every language, and every $t(key) it nests exists', () => {
    const problems: string[] = [];
    for (const [key, zh] of flat['zh-CN']) {
      if (typeof zh !== 'string') continue;
      for (const lng of LOCALES) {
        // Plural forms (age_one, age_other) are each compared with the zh-CN form.
        const forms = PLURAL.test(key) ? [...flat[lng].keys()].filter((k) => baseKey(k) === baseKey(key)) : [key];
        for (const form of forms) {
          const v = flat[lng].get(form);
          if (typeof v !== 'string') continue;
          if (JSON.stringify(placeholders(v)) !== JSON.stringify(placeholders(zh))) problems.push(`${form}: ${lng} has {{${placeholders(v).join(', ')}}}, zh-CN {{${placeholders(zh).join(', ')}}}`);
          for (const ref of nestedRefs(v)) if (typeof lookup(lng, ref) !== 'string') problems.push(`${lng} ${form} nests $t(${ref}), which does not exist`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has no word that is both a global command and an answer meaning something else', () => {
    // The engine checks global commands first: an answer word that is also a command never reaches the flow.
    const commands = Object.keys((resources['zh-CN'].commands ?? {}) as object);
    const commandOf = new Map<string, string>();
    for (const lng of LOCALES) for (const c of commands) for (const w of (lookup(lng, `commands.${c}`) as string[]) ?? []) commandOf.set(w.normalize('NFKC').trim().toLowerCase(), c);
    const problems: string[] = [];
    for (const lng of LOCALES) {
      for (const [key, v] of flat[lng]) {
        if (!key.split('.').includes('answers') || !Array.isArray(v)) continue;
        const meaning = key.split('.').at(-1);
        for (const w of v) {
          const c = commandOf.get(String(w).normalize('NFKC').trim().toLowerCase());
          if (c && c !== meaning) problems.push(`${lng} ${key}: "${String(w)}" is the global command "${c}"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------- keys used by the code

/** Files whose string literals are i18n keys when shaped like one (flows hold nothing else of that shape). */
const FLOW_FILES = listTs(path.join(ROOT, 'flows'));
const SRC_FILES = listTs(path.join(ROOT, 'src')).filter((f) => !f.includes(`${path.sep}generated${path.sep}`));

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(full));
    else if (e.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/**
 * The values a key template's placeholder can take, by template (placeholder written `${}`). A template not listed
 * here is only checked for having at least one key of its shape.
 */
const ENROLMENT_LINE_STATUSES = ['PAYING', 'SUSPENDED', 'TERMINATED', 'NOT_ENROLLED', 'LAPSED', 'RECEIVING'];
const STATUS_ADVICE = ['MISSING_MEDICAL', 'MISSING_PENSION', 'DUPLICATE_MEDICAL', 'DUPLICATE_PENSION', 'SUSPENDED_PAYMENT', 'LAPSED_PAYMENT', 'CONFIRM_DETAILS'];
const EXPANSIONS: Record<string, readonly string[]> = {
  'verify.awaitingIdNumber.error_${}': ID_NUMBER_ERRORS,
  'employment.awaitingCreditCode.error_${}': ['BAD_LENGTH', 'BAD_CHARACTERS', 'BAD_CHECK'],
  'correct.awaitingValue.error_${}': CORRECTION_ERRORS,
  'household.awaitingMemberIdNumber.error_${}': ID_NUMBER_ERRORS,
  'status.showingStatus.line_${}': ENROLMENT_LINE_STATUSES,
  'status.showingStatus.line_${}_short': ['PAYING', 'SUSPENDED'],
  'status.showingStatus.registration_${}': Object.values(RegistrationStatus),
  'status.showingStatus.advice_${}': STATUS_ADVICE,
  'reference.insurance.${}': INSURANCE_TYPES,
  'understanding.focus.${}': ['status', 'correct'],
  'reference.ethnicity.${}': ETHNICITY_CODES,
  'reference.employment.${}': EMPLOYMENT_STATUSES,
  'employment.answers.${}': EMPLOYMENT_STATUSES,
  'employment.awaitingReason.option_${}': NON_ENROLMENT_REASONS,
  'employment.awaitingReason.prompt${}': ['Both', 'Pension', 'Medical'],
  'employment.awaitingIntention.option_${}': ['YES', 'NO', 'UNSURE'],
  'menu.awaitingChoice.option${}': ['Status', 'Confirm', 'Correct', 'Employment', 'Household', 'Human', 'SignOut'],
  'answers.${}': ['status', 'confirm', 'correct', 'employment', 'household', 'human', 'signOut'],
  'employment.${}.prompt': ['awaitingEmployerName', 'awaitingPlatformWork', 'awaitingBusinessName', 'awaitingReasonText'],
  'employment.${}.example': ['awaitingEmployerName', 'awaitingPlatformWork', 'awaitingBusinessName', 'awaitingReasonText'],
  'employment.${}.error': ['awaitingEmployerName', 'awaitingPlatformWork', 'awaitingBusinessName', 'awaitingReasonText'],
  'employment.confirmingReport.label_${}': ['status', 'employer', 'creditCode', 'platformWork', 'since', 'reason', 'intention'],
  'common.sex_${}': Object.values(Sex),
  'confirm.fields.${}': ['name', 'idNumber', 'sex', 'ethnicity', 'birthDate', 'phone', 'hukou', 'residence', 'employment'],
  'commands.${}': ['menu', 'human', 'english', 'chinese', 'stop', 'subscribe', 'restart'],
  'campaign.templates.${}': TEMPLATE_NAMES,
  'campaign.templateNames.${}': TEMPLATE_NAMES,
  'campaign.missingShort.${}': INSURANCE_TYPES,
  'community.visitRequests.reason.${}': VISIT_REQUEST_REASONS,
  'community.visitRequests.outcome.${}': [...VISIT_REQUEST_OUTCOMES, 'OTHER'],
  'community.visitRequests.status.${}': ['OPEN', 'CLOSED', 'ALL'],
  'community.error.${}': ['NOT_FOUND', 'ALREADY_CLOSED'],
  'community.visitList.columns.${}': VISIT_COLUMNS,
  'community.visitList.flag.${}': Object.values(DataQualityFlag),
  'console.registration.${}': Object.values(RegistrationStatus),
  'communityConsole.segments.${}': ['registrationStatus', 'flags', 'missingInsurance', 'employmentStatus', 'excludeOpenChangeRequest', 'excludeOptedOut'],
  'communityConsole.segments.channel.${}': ['wechat', 'sms', 'none'],
  'communityConsole.campaigns.statusLabel.${}': ['DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'FINISHED'],
  'communityConsole.campaigns.action.${}': ['start', 'pause', 'resume', 'cancel'],
  'communityConsole.campaigns.done.${}': ['start', 'pause', 'resume', 'cancel', 'created'],
  'communityConsole.campaigns.counts.${}': ['recipients', 'queued', 'sent', 'failed', 'skipped', 'opened', 'verified', 'confirmed', 'corrected'],
  'communityConsole.campaigns.skipReason.${}': ['NO_CHANNEL', 'OPTED_OUT', 'DO_NOT_CONTACT', 'CANCELLED', 'ENDED', 'UNKNOWN'],
  'communityConsole.visitLists.rejectReason.${}': ['NOT_A_WORKBOOK', 'BAD_PHONE', 'BAD_RESULT', 'UNKNOWN_ROW'],
  'correct.fields.${}': CORRECTION_FIELDS,
  'correct.answers.${}': CORRECTION_FIELDS,
  'correct.awaitingValue.prompt_${}': CORRECTION_FIELDS,
  'correct.awaitingValue.example_${}': CORRECTION_FIELDS,
  'household.relationship.${}': RELATIONSHIPS,
  'household.answers.${}': RELATIONSHIPS,
};

const KEY = /^[a-z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9_]+)+$/;
/** Where a literal in src/ is an i18n key even with only two segments (three or more always count). */
const KEY_CONTEXT = /(?:\bt\(\s*|\bkey:\s*|labelKey:\s*|synonymsKey:\s*|synonyms\([^)]*?,\s*)$/;

interface Found {
  key: string;
  file: string;
}

/** Literal keys and key templates (placeholders as `${}`) in one source file. */
function keysIn(file: string, everyLiteral: boolean): { literals: Found[]; templates: Found[] } {
  const src = fs.readFileSync(file, 'utf8');
  const rel = path.relative(ROOT, file);
  const literals: Found[] = [];
  const templates: Found[] = [];
  const isKey = (k: string, before: string) => {
    const ns = k.replace(/^\$t\(/, '').split('.')[0] ?? '';
    if (!NAMESPACES.has(ns)) return false;
    return everyLiteral || k.split('.').length >= 3 || KEY_CONTEXT.test(before);
  };
  for (const m of src.matchAll(/(['"])((?:\\.|(?!\1)[^\\\n])*)\1/g)) {
    const text = m[2]!;
    const before = src.slice(Math.max(0, m.index - 60), m.index);
    if (KEY.test(text) && isKey(text, before)) literals.push({ key: text, file: rel });
    for (const ref of nestedRefs(text)) if (NAMESPACES.has(ref.split('.')[0] ?? '')) literals.push({ key: ref, file: rel });
  }
  for (const m of src.matchAll(/`((?:\\.|[^`\\])*)`/g)) {
    const body = m[1]!;
    if (!body.includes('${')) continue;
    const before = src.slice(Math.max(0, m.index - 60), m.index);
    // Placeholders (with balanced braces) become ¤, then key-shaped runs are picked out.
    let flatBody = '';
    for (let i = 0; i < body.length; i++) {
      if (body[i] === '$' && body[i + 1] === '{') {
        let depth = 0;
        let j = i + 1;
        for (; j < body.length; j++) {
          if (body[j] === '{') depth++;
          else if (body[j] === '}' && --depth === 0) break;
        }
        flatBody += '¤';
        i = j;
      } else {
        flatBody += body[i];
      }
    }
    for (const t of flatBody.matchAll(/(?:\$t\()?([a-z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9_¤]+)+)/g)) {
      const k = t[1]!;
      const whole = t[0] === flatBody || t[0].startsWith('$t(') || everyLiteral || k.split('.').length >= 3 || KEY_CONTEXT.test(before);
      if (!whole || !NAMESPACES.has(k.split('.')[0] ?? '')) continue;
      (k.includes('¤') ? templates : literals).push({ key: k.replace(/¤/g, '${}'), file: rel });
    }
  }
  return { literals, templates };
}

const used = [...FLOW_FILES.map((f) => keysIn(f, true)), ...SRC_FILES.map((f) => keysIn(f, false))];
const literalKeys = used.flatMap((u) => u.literals);
const templateKeys = used.flatMap((u) => u.templates);

describe('keys used by the code', () => {
  it('finds the keys of the flows and the engine', () => {
    const keys = new Set(literalKeys.map((k) => k.key));
    for (const k of ['verify.awaitingIdNumber.prompt', 'common.pleaseChoose', 'answers.yes', 'common.sessionEnded', 'common.languageSwitched']) expect(keys).toContain(k);
    expect(templateKeys.map((t) => t.key)).toEqual(expect.arrayContaining(['verify.awaitingIdNumber.error_${}', 'commands.${}', 'reference.insurance.${}']));
  });

  it.each(LOCALES)('every key literal in flows/ and src/ exists in %s', (lng) => {
    const missing = literalKeys.filter((k) => !exists(lng, k.key)).map((k) => `${k.key} (${k.file})`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it.each(LOCALES)('every key template, over every value its placeholder takes, exists in %s', (lng) => {
    const problems: string[] = [];
    for (const { key, file } of templateKeys) {
      const values = EXPANSIONS[key];
      if (values) {
        for (const v of values) {
          const k = key.replace('${}', v);
          if (!exists(lng, k)) problems.push(`${k} (from ${key} in ${file})`);
        }
      } else {
        // Not in EXPANSIONS: at least one key of that shape must exist.
        const shape = new RegExp(`^${key.split('${}').map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[A-Za-z0-9_]+')}$`);
        if (![...flat[lng].keys()].some((k) => shape.test(baseKey(k)))) problems.push(`no key of the shape ${key} (${file})`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});

describe('plurals', () => {
  it('counts one household member and one newborn in the singular in English, the same sentence in Chinese', () => {
    const i18n = createI18n();
    expect(i18n.t('household.loadingHousehold.header', { lng: 'en', count: 1 })).toBe('Your household has 1 member on record (partly hidden):');
    expect(i18n.t('household.loadingHousehold.header', { lng: 'en', count: 3 })).toBe('Your household has 3 members on record (partly hidden):');
    expect(i18n.t('household.loadingHousehold.newbornsHeader', { lng: 'en', count: 1 })).toMatch(/^Newborn waiting to be registered \(1\)/);
    expect(i18n.t('household.loadingHousehold.header', { lng: 'zh-CN', count: 1 })).toBe('您家登记的家庭成员有1人（部分内容已隐藏）：');
  });
});
