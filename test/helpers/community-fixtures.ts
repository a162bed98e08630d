import { randomBytes, randomInt } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type { PrismaClient } from '../../src/generated/prisma/client';
import type { DataQualityFlag, EmploymentStatus, RegistrationStatus } from '../../src/generated/prisma/enums';
import { authenticate, createStaff, type StaffRole } from '../../src/domain/staff/staff.service';
import type { Config } from '../../src/app/config';
import type { Clock } from '../../src/lib/clock';
import { newIdNumber, newPhone } from './chat-fixtures';

/** Shared by the community-work tests (segments, campaigns, visit lists): people in a township of their own. */

let townshipSeq = randomInt(0, 400);
/**
 * A fresh 9-digit township code under a county, so each test counts only its own people: 600-999, a range no
 * township of the seeded region data uses (theirs are 001-217 and 400-501), so it never has a name.
 */
export const newTownship = (county = '530102') => `${county}${600 + (townshipSeq++ % 400)}`;

export interface PersonSpec {
  region: string;
  status?: RegistrationStatus;
  flags?: DataQualityFlag[];
  employment?: EmploymentStatus;
  birth?: string;
  phone?: string | null;
  paying?: string[];
  optedOut?: boolean;
  householdId?: string;
  name?: string;
}

export async function addPerson(prisma: PrismaClient, s: PersonSpec) {
  const birth = s.birth ?? '19800101';
  const idNumber = newIdNumber(s.region.slice(0, 6), birth);
  return prisma.person.create({
    data: {
      idNumber,
      name: s.name ?? '杨样例',
      sex: Number(idNumber[16]) % 2 ? 'MALE' : 'FEMALE',
      birthDate: new Date(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}T00:00:00Z`),
      phone: s.phone === undefined ? newPhone() : s.phone,
      residenceRegion: s.region,
      residenceAddress: `云南省演示县演示村${randomInt(1, 99)}号`,
      regionCode: s.region,
      householdId: s.householdId ?? null,
      employmentStatus: s.employment ?? 'FARMING',
      registrationStatus: s.status ?? 'UNREGISTERED',
      flags: s.flags ?? [],
      remindersOptOut: s.optedOut ?? false,
      enrolments: { create: (s.paying ?? []).map((t) => ({ insuranceType: t, status: 'PAYING' as const, regionCode: s.region.slice(0, 6) })) },
    },
  });
}

/** A WeChat (Wechaty) chat identity bound to the person. */
export async function bindWechat(prisma: PrismaClient, personId: string, channel = 'wechaty', lastInboundAt: Date | null = null) {
  return prisma.conversation.create({
    data: {
      channel,
      endpoint: `wx-${randomBytes(6).toString('hex')}`,
      flowId: 'resident',
      flowVersion: 3,
      personId,
      boundUntil: new Date('2030-01-01T00:00:00Z'),
      lastInboundAt,
    },
  });
}

export async function staffToken(prisma: PrismaClient, clock: Clock, config: Config, regionCode: string, role: StaffRole = 'COMMUNITY_WORKER') {
  const password = 'correct horse battery';
  const username = `cw-${randomBytes(4).toString('hex')}`;
  const staff = await createStaff(prisma, { username, role, regionCode, password });
  const r = await authenticate(prisma, username, password, clock, config);
  if (!r.ok) throw new Error('login failed');
  return { staff, auth: { Authorization: `Bearer ${r.token}` } };
}

export const api = (app: Express, auth: Record<string, string>) => ({
  get: (url: string) => request(app).get(url).set(auth),
  post: (url: string, body?: object) => request(app).post(url).set(auth).send(body ?? {}),
});
