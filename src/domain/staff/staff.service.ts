import { createHash, randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { DbClient } from '../../db/db-client';
import type { StaffRole } from '../../generated/prisma/client';
import { type Clock, systemClock } from '../../lib/clock';
import { recordAudit } from './audit.service';
import { regionRange } from '../codes/region-scope';
import { RefusalError } from '../refusal';

// ---------------------------------------------------------------- principal and policy

export const STAFF_ROLES = ['ADMIN', 'REVIEWER', 'AGENT', 'COMMUNITY_WORKER'] as const satisfies readonly StaffRole[];
export type { StaffRole };

/** The authenticated staff member a request or a service call acts as. */
export interface StaffPrincipal {
  id: string;
  username: string;
  role: StaffRole;
  regionCode: string;
}

const ALL_ROLES = STAFF_ROLES;

/**
 * Who may do what: one table, permission -> roles. Region scope is a separate, orthogonal check
 * (region-scope.ts); this table only says which roles hold a permission at all.
 */
export const PERMISSION_POLICY = {
  /** See a person's record, masked. */
  'person.view': ALL_ROLES,
  /** See the full ID number, phone, name and addresses (audited as person.reveal). */
  'person.reveal': ['ADMIN', 'REVIEWER', 'AGENT'],
  /** Read a person's audit trail (who viewed or changed the record). */
  'person.audit_view': ['ADMIN', 'REVIEWER'],
  /** Create, disable and reset staff accounts. */
  'staff.manage': ['ADMIN'],
  /** See the review queue. */
  'review.view': ALL_ROLES,
  /** Approve or reject change requests. */
  'review.decide': ['ADMIN', 'REVIEWER'],
  /** Progress dispatch (issue 16): see the figures of one's region and the regions below it. */
  'progress.view': ALL_ROLES,
  /** Progress dispatch: set the annual targets of the regions below one's own. */
  'progress.target': ['ADMIN'],
  /** Work the handoff queue: claim, answer, start a task, close (issue 13). */
  'handoff.work': ['ADMIN', 'REVIEWER', 'AGENT'],
  /** Run an assisted conversation for a caller on the phone (issue 13). */
  'assisted.run': ['ADMIN', 'REVIEWER', 'AGENT'],
  /** Search and export the audit log of one's area (issue 14). */
  'audit.search': ['ADMIN'],
  /** Community work (issue 15): visit requests, segments, campaigns, household-visit lists of their region. */
  'community.work': ['ADMIN', 'COMMUNITY_WORKER'],
  /** Worklists (issue 17): see and close the region's entries (duplicate cover, deaths, moves); open merge requests. */
  'worklist.work': ['ADMIN', 'REVIEWER', 'COMMUNITY_WORKER'],
  /** Run a departmental feed (issue 17: public security, civil affairs, health, card file) against the registry. */
  'registry.match': ['ADMIN'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Permission = keyof typeof PERMISSION_POLICY;
export const PERMISSIONS = Object.keys(PERMISSION_POLICY) as Permission[];

/** True when the principal's role holds the permission according to {@link PERMISSION_POLICY}. */
export function can(principal: Pick<StaffPrincipal, 'role'>, permission: Permission): boolean {
  const roles: readonly StaffRole[] | undefined = PERMISSION_POLICY[permission];
  return roles !== undefined && roles.includes(principal.role);
}

/** Every permission the principal holds (for the console's "me" endpoint). */
export function permissionsOf(principal: Pick<StaffPrincipal, 'role'>): Permission[] {
  return PERMISSIONS.filter((p) => can(principal, p));
}

// ---------------------------------------------------------------- errors, settings, actors

export type StaffErrorCode = 'INVALID_USERNAME' | 'INVALID_ROLE' | 'UNKNOWN_REGION' | 'WEAK_PASSWORD' | 'USERNAME_TAKEN' | 'NOT_FOUND';

/** A validation or lookup failure the caller can fix: a domain refusal (the CLI maps it to exit code 2). */
export class StaffError extends RefusalError<StaffErrorCode> {
  constructor(code: StaffErrorCode, message: string) {
    super(code, message);
    this.name = 'StaffError';
  }
}

/** The settings authenticate needs (a structural subset of the app Config). */
export interface StaffAuthSettings {
  STAFF_TOKEN_TTL_HOURS: number;
  STAFF_MAX_LOGIN_FAILURES: number;
  STAFF_LOCK_MINUTES: number;
}

/** Who performs a staff-management action, for the audit log. */
export interface StaffActor {
  actorType: 'STAFF' | 'SYSTEM';
  actorId: string | null;
  /** api, console, cli. */
  source: string;
}

export const CLI_ACTOR: StaffActor = { actorType: 'SYSTEM', actorId: null, source: 'cli' };

export const USERNAME_PATTERN = /^[a-z0-9._-]{3,32}$/;
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/** Trim and lower-case, so "Alice " and "alice" name one account. */
export function normaliseUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

/** The normalised username, or a StaffError INVALID_USERNAME. */
export function validUsername(raw: string): string {
  const u = normaliseUsername(raw);
  if (!USERNAME_PATTERN.test(u)) {
    throw new StaffError('INVALID_USERNAME', 'Username must be 3-32 characters of a-z, 0-9, dot, underscore or hyphen.');
  }
  return u;
}

/** Throws StaffError WEAK_PASSWORD unless the password has 10-256 characters. */
export function validPassword(password: string): void {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw new StaffError('WEAK_PASSWORD', `Password must have at least ${PASSWORD_MIN_LENGTH} characters.`);
  }
  if ([...password].length > PASSWORD_MAX_LENGTH) {
    throw new StaffError('WEAK_PASSWORD', `Password must have at most ${PASSWORD_MAX_LENGTH} characters.`);
  }
}

/** Accepts ADMIN, admin, community_worker, community-worker. */
export function parseStaffRole(raw: string): StaffRole {
  const r = raw.trim().toUpperCase().replace(/-/g, '_');
  if (!(STAFF_ROLES as readonly string[]).includes(r)) {
    throw new StaffError('INVALID_ROLE', `Role must be one of ${STAFF_ROLES.map((s) => s.toLowerCase()).join(', ')}.`);
  }
  return r as StaffRole;
}

// ---------------------------------------------------------------- password hashing

/** argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: OWASP's minimum profile), spelled out. */
const ARGON2_OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (an ambient const enum) */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, ARGON2_OPTIONS);
}

async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(hashed, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/** A hash of a random password with the same cost, verified when the username is unknown (equal timing). */
function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
}

// ---------------------------------------------------------------- staff management

export interface CreateStaffInput {
  username: string;
  role: StaffRole | string;
  regionCode: string;
  password: string;
}

/** What listStaff returns: never the password hash. */
export interface StaffSummary {
  id: string;
  username: string;
  role: StaffRole;
  regionCode: string;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
}

const SUMMARY_SELECT = {
  id: true,
  username: true,
  role: true,
  regionCode: true,
  disabled: true,
  failedLogins: true,
  lockedUntil: true,
  lastLoginAt: true,
  createdAt: true,
} as const;

/** Creates a staff account (argon2id hash). Throws StaffError for bad input, unknown region or a taken username. */
export async function createStaff(
  db: DbClient,
  input: CreateStaffInput,
  actor: StaffActor = CLI_ACTOR,
  clock: Clock = systemClock,
): Promise<StaffSummary> {
  const username = validUsername(input.username);
  const role = parseStaffRole(input.role);
  const regionCode = input.regionCode.trim();
  validPassword(input.password);
  const region = await db.region.findUnique({ where: { code: regionCode }, select: { code: true } });
  if (!region) throw new StaffError('UNKNOWN_REGION', `Region ${regionCode || '(empty)'} is not in the region table.`);
  if (await db.staffUser.findUnique({ where: { username }, select: { id: true } })) {
    throw new StaffError('USERNAME_TAKEN', `Username ${username} is already taken.`);
  }
  const passwordHash = await hashPassword(input.password);
  const now = clock.now();
  let created: StaffSummary;
  try {
    created = await db.staffUser.create({
      data: { username, role, regionCode, passwordHash, createdAt: now },
      select: SUMMARY_SELECT,
    });
  } catch (e) {
    if ((e as { code?: string }).code === 'P2002') throw new StaffError('USERNAME_TAKEN', `Username ${username} is already taken.`);
    throw e;
  }
  await recordAudit(db, {
    ...actor,
    action: 'staff.create',
    targetType: 'staff',
    targetId: created.id,
    details: { username, role, regionCode },
    at: now,
  });
  return created;
}

/** Staff accounts by username; with `regionCode`, only those of that region and the regions below it. */
export async function listStaff(db: DbClient, opts: { regionCode?: string } = {}): Promise<StaffSummary[]> {
  return db.staffUser.findMany({
    where: opts.regionCode ? { regionCode: regionRange(opts.regionCode) } : {},
    select: SUMMARY_SELECT,
    orderBy: { username: 'asc' },
  });
}

async function findByUsername(db: DbClient, rawUsername: string): Promise<{ id: string; username: string }> {
  const username = normaliseUsername(rawUsername);
  const user = await db.staffUser.findUnique({ where: { username }, select: { id: true, username: true } });
  if (!user) throw new StaffError('NOT_FOUND', `No staff member named ${username || '(empty)'}.`);
  return user;
}

async function revokeAllTokens(db: DbClient, staffId: string, now: Date): Promise<number> {
  const r = await db.staffToken.updateMany({ where: { staffId, revokedAt: null }, data: { revokedAt: now } });
  return r.count;
}

/** Disables an account and revokes its tokens (at once: resolveToken also checks the flag). */
export async function disableStaff(
  db: DbClient,
  rawUsername: string,
  actor: StaffActor = CLI_ACTOR,
  clock: Clock = systemClock,
): Promise<StaffSummary> {
  const user = await findByUsername(db, rawUsername);
  const now = clock.now();
  const updated = await db.staffUser.update({ where: { id: user.id }, data: { disabled: true }, select: SUMMARY_SELECT });
  const revoked = await revokeAllTokens(db, user.id, now);
  await recordAudit(db, {
    ...actor,
    action: 'staff.disable',
    targetType: 'staff',
    targetId: user.id,
    details: { username: user.username, tokensRevoked: revoked },
    at: now,
  });
  return updated;
}

/** Sets a new password, clears the lockout and revokes every token of the account. */
export async function resetPassword(
  db: DbClient,
  rawUsername: string,
  newPassword: string,
  actor: StaffActor = CLI_ACTOR,
  clock: Clock = systemClock,
): Promise<StaffSummary> {
  validPassword(newPassword);
  const user = await findByUsername(db, rawUsername);
  const passwordHash = await hashPassword(newPassword);
  const now = clock.now();
  const updated = await db.staffUser.update({
    where: { id: user.id },
    data: { passwordHash, failedLogins: 0, lockedUntil: null },
    select: SUMMARY_SELECT,
  });
  const revoked = await revokeAllTokens(db, user.id, now);
  await recordAudit(db, {
    ...actor,
    action: 'staff.reset_password',
    targetType: 'staff',
    targetId: user.id,
    details: { username: user.username, tokensRevoked: revoked },
    at: now,
  });
  return updated;
}

// ---------------------------------------------------------------- authentication and tokens

export type AuthResult =
  | { ok: true; token: string; expiresAt: Date; principal: StaffPrincipal }
  | { ok: false; code: 'INVALID_CREDENTIALS' }
  | { ok: false; code: 'LOCKED'; retryAt: Date };

export interface AuthContext {
  /** Where the attempt came from (api, console). Default api. */
  source?: string;
  /** Client address, kept in the audit details (security log). */
  ip?: string;
}

/** Login attempts are audited against the username, so unknown usernames can be locked out the same way. */
const LOGIN_TARGET_TYPE = 'staff_username';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

type FailureReason = 'bad_password' | 'unknown_user' | 'disabled' | 'locked';

/** sha256 (hex) of a bearer token: all the database ever stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

async function auditLogin(
  db: DbClient,
  username: string | null,
  staffId: string | null,
  outcome: 'OK' | 'DENIED',
  reason: FailureReason | null,
  ctx: AuthContext,
  at: Date,
): Promise<void> {
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: staffId,
    source: ctx.source ?? 'api',
    action: 'staff.login',
    targetType: LOGIN_TARGET_TYPE,
    ...(username ? { targetId: username } : {}),
    outcome,
    details: { ...(reason ? { reason } : {}), ...(ctx.ip ? { ip: ctx.ip } : {}) },
    at,
  });
}

/**
 * The lockout state of a username that has no account, replayed from its recent login audit events with
 * the same rule as for accounts (MAX consecutive failures lock for LOCK minutes). Without it a 423 would
 * tell an attacker which usernames exist.
 */
async function phantomLockState(
  db: DbClient,
  username: string,
  now: Date,
  settings: StaffAuthSettings,
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const events = await db.auditEvent.findMany({
    where: { action: 'staff.login', targetType: LOGIN_TARGET_TYPE, targetId: username, at: { gte: new Date(now.getTime() - 24 * HOUR_MS) } },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: 200,
    select: { at: true, outcome: true, details: true },
  });
  let failures = 0;
  let lockedUntil: Date | null = null;
  for (const e of events.reverse()) {
    const reason = (e.details as { reason?: string } | null)?.reason;
    if (e.outcome === 'OK') {
      failures = 0;
      lockedUntil = null;
    } else if (reason !== 'locked') {
      failures += 1;
      if (failures >= settings.STAFF_MAX_LOGIN_FAILURES) {
        lockedUntil = new Date(e.at.getTime() + settings.STAFF_LOCK_MINUTES * MINUTE_MS);
        failures = 0;
      }
    }
  }
  return { failures, lockedUntil };
}

/**
 * Checks a username and password and issues a bearer token. Unknown usernames, wrong passwords and disabled
 * accounts give the same answer after the same argon2 work; STAFF_MAX_LOGIN_FAILURES consecutive failures
 * lock the username for STAFF_LOCK_MINUTES (the attempt that reaches the limit already answers LOCKED).
 * Every attempt is audited as staff.login (OK or DENIED).
 */
export async function authenticate(
  db: DbClient,
  rawUsername: string,
  password: string,
  clock: Clock,
  settings: StaffAuthSettings,
  ctx: AuthContext = {},
): Promise<AuthResult> {
  const now = clock.now();
  const username = normaliseUsername(rawUsername);
  const wellFormed = USERNAME_PATTERN.test(username) && password.length <= 4 * PASSWORD_MAX_LENGTH;
  const lockFor = () => new Date(now.getTime() + settings.STAFF_LOCK_MINUTES * MINUTE_MS);
  const user = wellFormed
    ? await db.staffUser.findUnique({
        where: { username },
        select: { id: true, username: true, passwordHash: true, role: true, regionCode: true, disabled: true, lockedUntil: true },
      })
    : null;

  if (!user) {
    // Same work as for an account: a lookup, the lockout state, one argon2 verification, one audit row.
    const phantom = wellFormed ? await phantomLockState(db, username, now, settings) : { failures: 0, lockedUntil: null };
    if (phantom.lockedUntil && phantom.lockedUntil > now) {
      await auditLogin(db, wellFormed ? username : null, null, 'DENIED', 'locked', ctx, now);
      return { ok: false, code: 'LOCKED', retryAt: phantom.lockedUntil };
    }
    await verifyPassword(await getDummyHash(), password);
    await auditLogin(db, wellFormed ? username : null, null, 'DENIED', 'unknown_user', ctx, now);
    if (wellFormed && phantom.failures + 1 >= settings.STAFF_MAX_LOGIN_FAILURES) return { ok: false, code: 'LOCKED', retryAt: lockFor() };
    return { ok: false, code: 'INVALID_CREDENTIALS' };
  }

  if (user.lockedUntil && user.lockedUntil > now) {
    await auditLogin(db, username, user.id, 'DENIED', 'locked', ctx, now);
    return { ok: false, code: 'LOCKED', retryAt: user.lockedUntil };
  }

  const passwordOk = await verifyPassword(user.passwordHash, password);
  if (passwordOk && !user.disabled) {
    await db.staffUser.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: now } });
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + settings.STAFF_TOKEN_TTL_HOURS * HOUR_MS);
    await db.staffToken.create({ data: { staffId: user.id, tokenHash: hashToken(token), expiresAt, createdAt: now } });
    // Housekeeping: tokens that expired a week ago are of no further use (logins are audited separately).
    await db.staffToken.deleteMany({ where: { staffId: user.id, expiresAt: { lt: new Date(now.getTime() - 7 * 24 * HOUR_MS) } } });
    await auditLogin(db, username, user.id, 'OK', null, ctx, now);
    return { ok: true, token, expiresAt, principal: { id: user.id, username: user.username, role: user.role, regionCode: user.regionCode } };
  }

  const counted = await db.staffUser.update({
    where: { id: user.id },
    data: { failedLogins: { increment: 1 } },
    select: { failedLogins: true },
  });
  await auditLogin(db, username, user.id, 'DENIED', user.disabled ? 'disabled' : 'bad_password', ctx, now);
  if (counted.failedLogins >= settings.STAFF_MAX_LOGIN_FAILURES) {
    const retryAt = lockFor();
    await db.staffUser.update({ where: { id: user.id }, data: { lockedUntil: retryAt, failedLogins: 0 } });
    return { ok: false, code: 'LOCKED', retryAt };
  }
  return { ok: false, code: 'INVALID_CREDENTIALS' };
}

/** The principal a bearer token stands for, or null when it is unknown, expired, revoked or its account disabled. */
export async function resolveToken(db: DbClient, token: string, clock: Clock): Promise<StaffPrincipal | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await db.staffToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: {
      expiresAt: true,
      revokedAt: true,
      staff: { select: { id: true, username: true, role: true, regionCode: true, disabled: true } },
    },
  });
  if (!row || row.revokedAt || row.expiresAt <= clock.now() || row.staff.disabled) return null;
  const { id, username, role, regionCode } = row.staff;
  return { id, username, role, regionCode };
}

/** Revokes a bearer token; true when a live token was revoked. */
export async function revokeToken(db: DbClient, token: string, clock: Clock): Promise<boolean> {
  if (!TOKEN_PATTERN.test(token)) return false;
  const r = await db.staffToken.updateMany({ where: { tokenHash: hashToken(token), revokedAt: null }, data: { revokedAt: clock.now() } });
  return r.count > 0;
}
