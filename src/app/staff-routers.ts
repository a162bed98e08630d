import type { Router } from 'express';
import { createAuthRouter } from '../http/auth.router';
import { createCampaignsRouter } from '../http/campaigns.router';
import { createFeedsRouter } from '../http/feeds.router';
import { createCommunityConsoleRouter } from '../http/console/community/community.router';
import { createAuditConsoleRouter } from '../http/console/audit.router';
import { createConsoleRouter } from '../http/console/console.router';
import type { AppDeps } from '../http/create-app';
import type { OpenAPIRegistry } from '../http/openapi';
import { createPersonsRouter } from '../http/persons.router';
import { createProgressRouter } from '../http/progress.router';
import { createProgressConsoleRouter } from '../http/console/progress-console.router';
import { createReviewRouter } from '../http/review.router';
import { createSegmentsRouter } from '../http/segments.router';
import { createSmsInboundRouter } from '../http/sms-inbound.router';
import { createVisitListsRouter } from '../http/visit-lists.router';
import { createVisitRequestsRouter } from '../http/visit-requests.router';
import { createWorklistsRouter } from '../http/worklists.router';
import { createWorklistsConsoleRouter } from '../http/console/worklists.router';

/** The staff API routers (auth, persons, review queue) and the staff console, mounted after the chat API. */
export function staffRouters(): ((deps: AppDeps, registry: OpenAPIRegistry) => Router)[] {
  return [createAuthRouter, createPersonsRouter, createReviewRouter, createProgressRouter, createProgressConsoleRouter, createConsoleRouter, createAuditConsoleRouter, createVisitRequestsRouter, createSegmentsRouter, createCampaignsRouter, createSmsInboundRouter, createVisitListsRouter, createCommunityConsoleRouter, createWorklistsRouter, createWorklistsConsoleRouter, createFeedsRouter];
}
