/** The data-matching import (数据比对) of persons.csv and enrolments.csv; see import-registry.ts. */
export { PERSON_COLUMNS, type PersonColumn, type PersonCsvRow, ENROLMENT_COLUMNS, OPTIONAL_ENROLMENT_COLUMNS, type EnrolmentColumn, type EnrolmentCsvRow, REJECT_COLUMNS, ENROLMENT_STATUS_CODES, EMPLOYMENT_STATUSES, REJECT_REASONS, type RejectReason, WARNING_KINDS, type WarningKind, type ImportCounts, type ImportSummary, type ImportProgress, type ImportOptions, ImportFileError } from './formats';
export { IdKeyMap } from './id-key-map';
export { pgTextArray } from './sql';
export { importRegistry } from './import-registry';
