/** Departmental data matching (issue 17): feeds from public security, civil affairs, health and the card file. */
export { FEED_SOURCES, type FeedSource, FIELD_AUTHORITY, isAuthoritative } from './authority';
export { FEED_COLUMNS, FEED_REJECT_REASONS, type FeedCounts, type FeedSummary, type FeedProgress, type FeedOptions } from './layouts';
export { matchFeed } from './match-feed';
export { FEED_CHANNEL } from './feed-rules';
