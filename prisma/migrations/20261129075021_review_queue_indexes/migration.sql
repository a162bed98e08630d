-- DropIndex
DROP INDEX "change_request_status_region_code_created_at_idx";

-- CreateIndex
CREATE INDEX "change_request_status_region_code_kind_due_at_idx" ON "change_request"("status", "region_code", "kind", "due_at");

-- CreateIndex
CREATE INDEX "change_request_status_created_at_region_code_idx" ON "change_request"("status", "created_at", "region_code");

-- CreateIndex
CREATE INDEX "change_request_status_decided_at_region_code_kind_idx" ON "change_request"("status", "decided_at", "region_code", "kind");
