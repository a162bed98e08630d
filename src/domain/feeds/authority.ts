import { type PersonField } from '../registry/person-change';

/**
 * Departmental data matching (issue 17): which source is authoritative for which person field, in one place.
 * An authoritative source's value is applied (newer facts only, provenance recorded); any other source's
 * differing value becomes a change request for review.
 */

export const FEED_SOURCES = ['public-security', 'civil-affairs', 'health', 'ssc'] as const;
export type FeedSource = (typeof FEED_SOURCES)[number];
/** The resident (chat, corrections) or a worker (console, visits): what is not a departmental feed. */
export type FieldAuthority = FeedSource | 'resident-or-worker';

/** The authority for each person field. Public security (户籍) owns identity and hukou; people own the rest. */
export const FIELD_AUTHORITY: Readonly<Record<PersonField, FieldAuthority>> = {
  name: 'public-security',
  idNumber: 'public-security',
  sex: 'public-security',
  birthDate: 'public-security',
  ethnicity: 'public-security',
  hukouRegion: 'public-security',
  hukouAddress: 'public-security',
  householdId: 'public-security',
  phone: 'resident-or-worker',
  residenceRegion: 'resident-or-worker',
  residenceAddress: 'resident-or-worker',
  employmentStatus: 'resident-or-worker',
  employer: 'resident-or-worker',
  employerCreditCode: 'resident-or-worker',
  employmentSince: 'resident-or-worker',
};

export const isAuthoritative = (source: FeedSource, field: PersonField): boolean => FIELD_AUTHORITY[field] === source;

/** Facts that are not person fields but carry provenance too (the field column of FieldProvenance). */
export const EVENT_FACTS = ['deceasedOn', 'movedOutOn', 'movedInOn', 'sscCard'] as const;
export type EventFact = (typeof EVENT_FACTS)[number];
