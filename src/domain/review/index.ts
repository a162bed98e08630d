/**
 * The review queue (change requests staff decide), by part: the queue, one request in detail, the decisions,
 * approval, questions to residents, statistics; the automatic checks are in review-checks.ts.
 */
export { type ReviewEnv, type ReviewActor, CHANGE_REQUEST_STATUSES, CHANGE_REQUEST_KINDS, OPEN_STATUSES, REVIEW_FAILURE_CODES, type ReviewFailureCode, type ReviewFailure, type RegionRef, type ReviewItem, type DiffRow, type HistoryEntry, type TranscriptLine, type ReviewActions, type ReviewDetail } from './shared';
export { type ListFilters, type ReviewPage, listRequests } from './queue';
export { type DetailOptions, getRequest } from './detail';
export { type MutationResult, claimRequest, releaseRequest, rejectRequest, askResident } from './decide';
export { planApproval, type ApproveOptions, type ApproveResult, approveRequest, type BatchItemResult, batchApprove } from './approve';
export { recordAnswer, type OpenQuestion, openQuestionsFor, type ResidentAnswer, recordResidentAnswer } from './questions';
export { PROGRESS_LIMIT, requestProgressOf } from './resident-requests';
export { type ReviewStats, type StatsOptions, reviewStats } from './stats';
export { REVIEW_ACTIONS, REVIEW_ACTION_NAMES, isReviewActionName, type ReviewAction, type ReviewActionName } from './actions';
