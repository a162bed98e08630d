-- CreateEnum
CREATE TYPE "VisitRequestStatus" AS ENUM ('OPEN', 'CLOSED');

-- CreateEnum
CREATE TYPE "VisitRequestOutcome" AS ENUM ('REGISTERED', 'CONTACTED', 'NOT_REACHED', 'NOT_FOUND', 'OTHER');

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'FINISHED');

-- CreateEnum
CREATE TYPE "CampaignRecipientStatus" AS ENUM ('QUEUED', 'SENT', 'FAILED', 'SKIPPED', 'OPENED', 'VERIFIED', 'COMPLETED');

-- CreateTable
CREATE TABLE "visit_request" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "person_id" UUID,
    "region_code" TEXT,
    "reason" TEXT NOT NULL,
    "contact_phone" TEXT,
    "details" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "conversation_id" UUID,
    "locale" TEXT NOT NULL DEFAULT 'zh-CN',
    "status" "VisitRequestStatus" NOT NULL DEFAULT 'OPEN',
    "outcome" "VisitRequestOutcome",
    "outcome_note" TEXT,
    "closed_by" UUID,
    "closed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "visit_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segment" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "region_code" TEXT NOT NULL,
    "filter" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "segment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "region_code" TEXT NOT NULL,
    "filter" JSONB NOT NULL,
    "template" TEXT NOT NULL,
    "channels" TEXT[],
    "quiet_start" TEXT,
    "quiet_end" TEXT,
    "start_at" TIMESTAMP(3),
    "end_at" TIMESTAMP(3),
    "status" "CampaignStatus" NOT NULL DEFAULT 'DRAFT',
    "cancelled" BOOLEAN NOT NULL DEFAULT false,
    "cursor_person_id" UUID,
    "materialised" BOOLEAN NOT NULL DEFAULT false,
    "created_by" UUID NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_recipient" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "campaign_id" UUID NOT NULL,
    "person_id" UUID NOT NULL,
    "region_code" TEXT,
    "status" "CampaignRecipientStatus" NOT NULL DEFAULT 'QUEUED',
    "channel" TEXT,
    "skip_reason" TEXT,
    "error" TEXT,
    "token_hash" TEXT,
    "token_expires_at" TIMESTAMP(3),
    "outbox_id" UUID,
    "outcome" TEXT,
    "locked_until" TIMESTAMP(3),
    "queued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),
    "opened_at" TIMESTAMP(3),
    "verified_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),
    "conversation_id" UUID,

    CONSTRAINT "campaign_recipient_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "do_not_contact" (
    "person_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "set_by" UUID,
    "set_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "do_not_contact_pkey" PRIMARY KEY ("person_id")
);

-- CreateTable
CREATE TABLE "visit_list" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "region_code" TEXT NOT NULL,
    "source" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "visit_list_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "visit_list_entry" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "visit_list_id" UUID NOT NULL,
    "row_key" TEXT NOT NULL,
    "person_id" UUID NOT NULL,
    "township" TEXT NOT NULL,
    "village" TEXT NOT NULL,
    "applied_hash" TEXT,
    "result" JSONB,
    "applied_at" TIMESTAMP(3),

    CONSTRAINT "visit_list_entry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "visit_request_status_region_code_created_at_idx" ON "visit_request"("status", "region_code", "created_at");

-- CreateIndex
CREATE INDEX "visit_request_person_id_idx" ON "visit_request"("person_id");

-- CreateIndex
CREATE INDEX "visit_request_conversation_id_idx" ON "visit_request"("conversation_id");

-- CreateIndex
CREATE INDEX "segment_region_code_idx" ON "segment"("region_code");

-- CreateIndex
CREATE INDEX "campaign_status_idx" ON "campaign"("status");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_recipient_token_hash_key" ON "campaign_recipient"("token_hash");

-- CreateIndex
CREATE INDEX "campaign_recipient_campaign_id_status_idx" ON "campaign_recipient"("campaign_id", "status");

-- CreateIndex
CREATE INDEX "campaign_recipient_person_id_sent_at_idx" ON "campaign_recipient"("person_id", "sent_at");

-- CreateIndex
CREATE INDEX "campaign_recipient_sent_at_idx" ON "campaign_recipient"("sent_at");

-- CreateIndex
CREATE INDEX "campaign_recipient_conversation_id_idx" ON "campaign_recipient"("conversation_id");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_recipient_campaign_id_person_id_key" ON "campaign_recipient"("campaign_id", "person_id");

-- CreateIndex
CREATE UNIQUE INDEX "visit_list_entry_visit_list_id_row_key_key" ON "visit_list_entry"("visit_list_id", "row_key");

-- AddForeignKey
ALTER TABLE "visit_list_entry" ADD CONSTRAINT "visit_list_entry_visit_list_id_fkey" FOREIGN KEY ("visit_list_id") REFERENCES "visit_list"("id") ON DELETE CASCADE ON UPDATE CASCADE;
