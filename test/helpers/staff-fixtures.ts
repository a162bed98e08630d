import { randomBytes } from 'node:crypto';
import { authenticate, createStaff, type StaffRole } from '../../src/domain/staff/staff.service';
import type { TestApp } from './test-app';

export const STAFF_PASSWORD = 'correct horse battery';

export interface SignedInStaff {
  id: string;
  username: string;
  auth: { Authorization: string };
}

/** A new staff account of the role and region, signed in (bearer header ready for supertest). */
export async function signedInStaff(app: TestApp, role: StaffRole, regionCode = '530100'): Promise<SignedInStaff> {
  const username = `${role.toLowerCase().slice(0, 5)}-${randomBytes(4).toString('hex')}`;
  const s = await createStaff(app.db.prisma, { username, role, regionCode, password: STAFF_PASSWORD });
  const r = await authenticate(app.db.prisma, username, STAFF_PASSWORD, app.clock, app.config);
  if (!r.ok) throw new Error('login failed');
  return { id: s.id, username, auth: { Authorization: `Bearer ${r.token}` } };
}
