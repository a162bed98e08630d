-- CreateEnum
CREATE TYPE "WorkItemKind" AS ENUM ('DECEASED_ENROLMENT', 'DUPLICATE_COVER', 'MOVED_OUT_ENROLMENT');

-- CreateEnum
CREATE TYPE "WorkItemStatus" AS ENUM ('OPEN', 'DONE', 'DISMISSED');

-- CreateTable
CREATE TABLE "work_item" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" "WorkItemKind" NOT NULL,
    "status" "WorkItemStatus" NOT NULL DEFAULT 'OPEN',
    "person_id" UUID NOT NULL,
    "region_code" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "dedupe_key" TEXT NOT NULL,
    "outcome" TEXT,
    "closed_by" UUID,
    "closed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "work_item_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "work_item_dedupe_key_key" ON "work_item"("dedupe_key");

-- CreateIndex
CREATE INDEX "work_item_status_kind_region_code_created_at_idx" ON "work_item"("status", "kind", "region_code", "created_at");

-- CreateIndex
CREATE INDEX "work_item_person_id_idx" ON "work_item"("person_id");
