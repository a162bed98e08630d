-- DropIndex
DROP INDEX "campaign_recipient_campaign_id_status_idx";

-- CreateIndex
CREATE INDEX "campaign_recipient_campaign_id_status_person_id_idx" ON "campaign_recipient"("campaign_id", "status", "person_id");
