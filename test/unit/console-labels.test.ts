import fs from 'node:fs';
import path from 'node:path';
import { ActorType, AuditOutcome, RegistrationStatus } from '../../src/generated/prisma/enums';
import { CAMPAIGN_CHANNELS, WECHAT_CHAT_CHANNELS } from '../../src/domain/campaigns/reach';
import { regionChainName } from '../../src/domain/registry/region-names';
import { CHANGE_REQUEST_STATUSES } from '../../src/domain/review';
import { labelsFor } from '../../src/http/console/labels';
import { createI18n, loadLocaleResources, LOCALES } from '../../src/lib/i18n';
import { foldViews } from '../../src/domain/staff/audit-fold';
import { labelChoices } from '../../src/domain/review/request-transcript';

/** Every code a console page shows has a label in every locale; the codes are read from where they are used. */

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}
const SOURCES = sourceFiles(SRC).map((f) => ({ file: path.relative(SRC, f), text: fs.readFileSync(f, 'utf8') }));

/** The values of a string-literal union type declared in the sources: type X = 'a' | 'b'. */
function unionValues(typeName: string): string[] {
  for (const s of SOURCES) {
    const m = new RegExp(`type ${typeName} = ([^;]+);`).exec(s.text);
    if (m?.[1]) return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1] as string);
  }
  throw new Error(`type ${typeName} not found`);
}

/**
 * Audit actions as the code records them: literals like 'review.view' on lines that record audit events or name
 * an action, and `campaign.${action}` expanded over CampaignAction. A template we cannot expand fails the test.
 */
function auditActions(): Set<string> {
  const found = new Set<string>();
  for (const s of SOURCES) {
    for (const line of s.text.split('\n')) {
      if (!/audit|action/i.test(line) || /\bt\(/.test(line)) continue;
      for (const m of line.matchAll(/'([a-z][a-z_]+\.[a-z][a-z_]*)'/g)) found.add(m[1] as string);
      for (const m of line.matchAll(/`([a-z][a-z_]+)\.\$\{(\w+)\}`/g)) {
        if (m[1] === 'campaign' && m[2] === 'action') unionValues('CampaignAction').forEach((a) => found.add(`campaign.${a}`));
        else throw new Error(`${s.file}: cannot expand the audit action \`${m[0]}\``);
      }
    }
  }
  // Not actions: property paths and column names that share the shape.
  for (const notAction of [...found].filter((a) => /^(p|r|e|a|t)\./.test(a) || a.includes('region_code'))) found.delete(notAction);
  return found;
}

/** Channel and source codes: CHANNEL constants of the adapters, channel/source literals, the campaign channels. */
function channels(): Set<string> {
  const found = new Set<string>([...CAMPAIGN_CHANNELS, ...WECHAT_CHAT_CHANNELS]);
  for (const s of SOURCES) {
    for (const m of s.text.matchAll(/\b(?:\w*CHANNEL|channel|source|confirmedChannel)\s*[:=]\s*'([a-z][a-z-]*)'/g)) {
      if (m[1] !== 'channel' && m[1] !== 'source') found.add(m[1] as string);
    }
  }
  return found;
}

function targetTypes(): Set<string> {
  const found = new Set<string>();
  for (const s of SOURCES) {
    for (const m of s.text.matchAll(/targetType(?:\s*[:=]\s*|, )'([a-z_]+)'/g)) found.add(m[1] as string);
    for (const m of s.text.matchAll(/'OK', '([a-z_]+)'\)/g)) found.add(m[1] as string);
  }
  return found;
}

const CODES: Record<string, string[]> = {
  actor: Object.values(ActorType),
  action: [...auditActions()],
  outcome: Object.values(AuditOutcome),
  channel: [...channels()],
  status: [...CHANGE_REQUEST_STATUSES, 'FIRST_APPROVED'],
  registration: Object.values(RegistrationStatus),
  target: [...targetTypes()],
};

function lookup(tree: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, k) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined), tree);
}

describe('console labels', () => {
  it('finds the codes it checks (the scan works)', () => {
    expect(CODES.action).toEqual(expect.arrayContaining(['review.view', 'change_request.submit', 'registration.pending_review', 'identity.verified', 'campaign.pause', 'audit.search']));
    expect(CODES.channel).toEqual(expect.arrayContaining(['web', 'wechaty', 'wechat-oa', 'console', 'api', 'terminal']));
    expect(CODES.target).toEqual(expect.arrayContaining(['person', 'change_request', 'review_queue']));
  });

  it.each(LOCALES)('every code has a label in %s', (lng) => {
    const resources = loadLocaleResources(lng);
    const missing = Object.entries(CODES).flatMap(([group, codes]) =>
      codes.filter((code) => {
        const v = lookup(resources, `labels.${group}.${code}`);
        return typeof v !== 'string' || !v.trim() || v === code;
      }).map((code) => `${group}: ${code}`),
    );
    expect(missing).toEqual([]);
  });

  it('labels regions with their parents and the header region by name', () => {
    expect(regionChainName('530000')).toBe('云南省');
    expect(regionChainName('530102001')).toBe('昆明市五华区华山街道');
    expect(regionChainName('530102001001')).toBe('昆明市五华区华山街道 530102001001');
    const i18n = createI18n();
    expect(labelsFor(i18n.getFixedT('en')).region('530100')).toBe('Kunming City');
    expect(labelsFor(i18n.getFixedT('zh-CN')).region('530100')).toBe('昆明市');
    expect(labelsFor(i18n.getFixedT('en')).action('change_request.submit')).toBe('Submitted a change request');
    expect(labelsFor(i18n.getFixedT('zh-CN')).actor({ actorType: 'RESIDENT' })).toBe('居民');
  });

  it('folds plain views per person per day and keeps revealing ones', () => {
    const v = (at: string, action = 'review.view', actorUsername = 'zhang'): { at: string; action: string; outcome: string; actorType: string; actorUsername: string; count?: number } => ({ at, action, outcome: 'OK', actorType: 'STAFF', actorUsername });
    const rows = foldViews([v('2026-12-02T01:00:00Z'), v('2026-12-02T01:01:00Z'), v('2026-12-02T01:02:00Z', 'review.reveal'), v('2026-12-02T02:00:00Z'), v('2026-12-02T17:00:00Z'), v('2026-12-02T03:00:00Z', 'review.view', 'li')]);
    expect(rows.map((r) => [r.action, r.actorUsername, r.count ?? null])).toEqual([
      ['review.view', 'zhang', 3],
      ['review.reveal', 'zhang', null],
      ['review.view', 'zhang', 1],
      ['review.view', 'li', 1],
    ]);
  });

  it('labels a numeric answer with the option of the menu before it', () => {
    const at = new Date('2026-12-02T01:00:00Z');
    const lines = labelChoices([
      { direction: 'OUT', text: '请选择：', options: [{ value: 'update', label: '修改信息' }, { value: 'status', label: '查询进度' }], createdAt: at },
      { direction: 'IN', text: '1', options: null, createdAt: at },
      { direction: 'OUT', text: '要改哪一项？\n1. 姓名\n2. 电话', options: null, createdAt: at },
      { direction: 'IN', text: '2', options: null, createdAt: at },
      { direction: 'IN', text: '9', options: null, createdAt: at },
    ]);
    expect(lines.map((l) => l.choice ?? null)).toEqual([null, '修改信息', null, '电话', null]);
  });
});
