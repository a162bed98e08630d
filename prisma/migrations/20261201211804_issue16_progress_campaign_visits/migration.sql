-- AlterTable
ALTER TABLE "progress_daily" ADD COLUMN     "a_campaign_messages_sent" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "a_visits_done" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "visit_list_entry_applied_at_idx" ON "visit_list_entry"("applied_at");

-- CreateIndex
CREATE INDEX "visit_request_closed_at_idx" ON "visit_request"("closed_at");
