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
    "fields" JSONB NOT NULL DEFAULT '{}',
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "field_provenance_pkey" PRIMARY KEY ("person_id")
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

-- Progress dispatch: a death or a move out of the province changes a person's contribution (they leave the
-- figures), so the person-update trigger also watches deceased_on and moved_out_on.
CREATE OR REPLACE FUNCTION progress_dirty_person_upd() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN INSERT INTO progress_dirty (person_id) SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (o.region_code, o.sex, o.birth_date, o.registration_status, o.flags, o.employment_status, o.deceased_on, o.moved_out_on) IS DISTINCT FROM (n.region_code, n.sex, n.birth_date, n.registration_status, n.flags, n.employment_status, n.deceased_on, n.moved_out_on)\073 RETURN NULL\073 END';
