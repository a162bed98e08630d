-- CreateEnum
CREATE TYPE "AssistanceKind" AS ENUM ('DIBAO', 'TEKUN');

-- AlterTable
ALTER TABLE "person" ADD COLUMN     "deceased_on" DATE,
ADD COLUMN     "moved_in_on" DATE,
ADD COLUMN     "moved_out_on" DATE,
ADD COLUMN     "ssc_card_issued_on" DATE,
ADD COLUMN     "ssc_card_status" TEXT;

-- CreateTable
CREATE TABLE "feed_run" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "source" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "started_by" UUID,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "counts" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "feed_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "field_provenance" (
    "person_id" UUID NOT NULL,
    "field" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "observed_on" DATE NOT NULL,
    "feed_run_id" UUID,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "field_provenance_pkey" PRIMARY KEY ("person_id","field")
);

-- CreateTable
CREATE TABLE "assistance_period" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "person_id" UUID NOT NULL,
    "kind" "AssistanceKind" NOT NULL,
    "started_on" DATE NOT NULL,
    "ended_on" DATE,
    "feed_run_id" UUID,

    CONSTRAINT "assistance_period_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "feed_run_source_started_at_idx" ON "feed_run"("source", "started_at");

-- CreateIndex
CREATE INDEX "assistance_period_person_id_idx" ON "assistance_period"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "assistance_period_person_id_kind_started_on_key" ON "assistance_period"("person_id", "kind", "started_on");

-- AddForeignKey
ALTER TABLE "field_provenance" ADD CONSTRAINT "field_provenance_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assistance_period" ADD CONSTRAINT "assistance_period_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
