-- CreateTable
CREATE TABLE "progress_person" (
    "person_id" UUID NOT NULL,
    "bucket" TEXT NOT NULL,
    "sex" CHAR(1) NOT NULL,
    "birth_year" SMALLINT NOT NULL,
    "bits" INTEGER NOT NULL,

    CONSTRAINT "progress_person_pkey" PRIMARY KEY ("person_id")
);

-- CreateIndex (segment lists read persons by bucket)
CREATE INDEX "progress_person_bucket_idx" ON "progress_person"("bucket");

-- CreateTable
CREATE TABLE "progress_dirty" (
    "seq" BIGSERIAL NOT NULL,
    "person_id" UUID NOT NULL,

    CONSTRAINT "progress_dirty_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "progress_live" (
    "bucket" TEXT NOT NULL,
    "sex" CHAR(1) NOT NULL,
    "birth_year" SMALLINT NOT NULL,
    "persons" INTEGER NOT NULL DEFAULT 0,
    "unregistered" INTEGER NOT NULL DEFAULT 0,
    "pending_review" INTEGER NOT NULL DEFAULT 0,
    "confirmed" INTEGER NOT NULL DEFAULT 0,
    "needs_visit" INTEGER NOT NULL DEFAULT 0,
    "f_missing_phone" INTEGER NOT NULL DEFAULT 0,
    "f_missing_residence" INTEGER NOT NULL DEFAULT 0,
    "f_duplicate_medical" INTEGER NOT NULL DEFAULT 0,
    "f_duplicate_pension" INTEGER NOT NULL DEFAULT 0,
    "f_sex_mismatch" INTEGER NOT NULL DEFAULT 0,
    "f_unknown_region" INTEGER NOT NULL DEFAULT 0,
    "pension_paying" INTEGER NOT NULL DEFAULT 0,
    "p110" INTEGER NOT NULL DEFAULT 0,
    "p120" INTEGER NOT NULL DEFAULT 0,
    "p170" INTEGER NOT NULL DEFAULT 0,
    "medical" INTEGER NOT NULL DEFAULT 0,
    "m310" INTEGER NOT NULL DEFAULT 0,
    "m390" INTEGER NOT NULL DEFAULT 0,
    "no_cover" INTEGER NOT NULL DEFAULT 0,
    "flexible_no_cover" INTEGER NOT NULL DEFAULT 0,
    "platform_no_cover" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "progress_live_pkey" PRIMARY KEY ("bucket","sex","birth_year")
);

-- CreateTable
CREATE TABLE "progress_activity" (
    "day" DATE NOT NULL,
    "bucket" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "n" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "progress_activity_pkey" PRIMARY KEY ("day","bucket","source")
);

-- CreateTable
CREATE TABLE "progress_daily" (
    "region_code" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "refreshed_at" TIMESTAMP(3) NOT NULL,
    "persons" INTEGER NOT NULL DEFAULT 0,
    "unregistered" INTEGER NOT NULL DEFAULT 0,
    "pending_review" INTEGER NOT NULL DEFAULT 0,
    "confirmed" INTEGER NOT NULL DEFAULT 0,
    "needs_visit" INTEGER NOT NULL DEFAULT 0,
    "f_missing_phone" INTEGER NOT NULL DEFAULT 0,
    "f_missing_residence" INTEGER NOT NULL DEFAULT 0,
    "f_duplicate_medical" INTEGER NOT NULL DEFAULT 0,
    "f_duplicate_pension" INTEGER NOT NULL DEFAULT 0,
    "f_sex_mismatch" INTEGER NOT NULL DEFAULT 0,
    "f_unknown_region" INTEGER NOT NULL DEFAULT 0,
    "working_age" INTEGER NOT NULL DEFAULT 0,
    "wa_pension_paying" INTEGER NOT NULL DEFAULT 0,
    "wa_p110" INTEGER NOT NULL DEFAULT 0,
    "wa_p120" INTEGER NOT NULL DEFAULT 0,
    "wa_p170" INTEGER NOT NULL DEFAULT 0,
    "medical" INTEGER NOT NULL DEFAULT 0,
    "m310" INTEGER NOT NULL DEFAULT 0,
    "m390" INTEGER NOT NULL DEFAULT 0,
    "wa_no_cover" INTEGER NOT NULL DEFAULT 0,
    "wa_flexible_no_cover" INTEGER NOT NULL DEFAULT 0,
    "wa_platform_no_cover" INTEGER NOT NULL DEFAULT 0,
    "review_backlog" INTEGER NOT NULL DEFAULT 0,
    "review_overdue" INTEGER NOT NULL DEFAULT 0,
    "a_conversations" INTEGER NOT NULL DEFAULT 0,
    "a_verifications" INTEGER NOT NULL DEFAULT 0,
    "a_confirmations" INTEGER NOT NULL DEFAULT 0,
    "a_corrections_submitted" INTEGER NOT NULL DEFAULT 0,
    "a_corrections_decided" INTEGER NOT NULL DEFAULT 0,
    "a_handoffs" INTEGER NOT NULL DEFAULT 0,
    "a_notifications_sent" INTEGER NOT NULL DEFAULT 0,
    "a_duplicates_cleared" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "progress_daily_pkey" PRIMARY KEY ("region_code","day")
);

-- CreateTable
CREATE TABLE "progress_target" (
    "region_code" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "confirmed_share" DOUBLE PRECISION NOT NULL,
    "cover_share" DOUBLE PRECISION,
    "set_by" UUID NOT NULL,
    "set_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "progress_target_pkey" PRIMARY KEY ("region_code","year")
);

-- CreateTable
CREATE TABLE "progress_state" (
    "id" INTEGER NOT NULL,
    "built_at" TIMESTAMP(3),
    "folded_at" TIMESTAMP(3),

    CONSTRAINT "progress_state_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_event_action_at_idx" ON "audit_event"("action", "at");

-- CreateIndex
CREATE INDEX "conversation_created_at_idx" ON "conversation"("created_at");

-- CreateIndex
CREATE INDEX "outbox_message_sent_at_idx" ON "outbox_message"("sent_at");

-- Progress dispatch (issue 16): every write that can change a person's progress contribution appends the
-- person's id to progress_dirty in the writer's own transaction (statement-level triggers with transition
-- tables: one INSERT per statement, not per row). The incremental job consumes these rows exactly once.
-- (\073 is a semicolon: migration scripts are split on semicolons, so function bodies must not contain one.)
CREATE OR REPLACE FUNCTION progress_dirty_person_ins() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN INSERT INTO progress_dirty (person_id) SELECT id FROM new_rows\073 RETURN NULL\073 END';
CREATE OR REPLACE FUNCTION progress_dirty_person_del() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN INSERT INTO progress_dirty (person_id) SELECT id FROM old_rows\073 RETURN NULL\073 END';
CREATE OR REPLACE FUNCTION progress_dirty_person_upd() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN INSERT INTO progress_dirty (person_id) SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (o.region_code, o.sex, o.birth_date, o.registration_status, o.flags, o.employment_status) IS DISTINCT FROM (n.region_code, n.sex, n.birth_date, n.registration_status, n.flags, n.employment_status)\073 RETURN NULL\073 END';
CREATE TRIGGER progress_person_ins AFTER INSERT ON "person" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_person_ins();
CREATE TRIGGER progress_person_upd AFTER UPDATE ON "person" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_person_upd();
CREATE TRIGGER progress_person_del AFTER DELETE ON "person" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_person_del();

-- enrolment and employment_report: the person_id of every inserted, deleted or relevantly updated row.
CREATE OR REPLACE FUNCTION progress_dirty_child_ins() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN INSERT INTO progress_dirty (person_id) SELECT DISTINCT person_id FROM new_rows\073 RETURN NULL\073 END';
CREATE OR REPLACE FUNCTION progress_dirty_child_del() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN INSERT INTO progress_dirty (person_id) SELECT DISTINCT person_id FROM old_rows\073 RETURN NULL\073 END';
CREATE OR REPLACE FUNCTION progress_dirty_enrolment_upd() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN INSERT INTO progress_dirty (person_id) SELECT DISTINCT x.person_id FROM ( SELECT n.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (o.person_id, o.insurance_type, o.status) IS DISTINCT FROM (n.person_id, n.insurance_type, n.status) UNION ALL SELECT o.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.person_id IS DISTINCT FROM n.person_id ) x\073 RETURN NULL\073 END';
CREATE OR REPLACE FUNCTION progress_dirty_report_upd() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN INSERT INTO progress_dirty (person_id) SELECT DISTINCT x.person_id FROM ( SELECT n.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (o.person_id, o.platform_work) IS DISTINCT FROM (n.person_id, n.platform_work) UNION ALL SELECT o.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.person_id IS DISTINCT FROM n.person_id ) x\073 RETURN NULL\073 END';
CREATE TRIGGER progress_enrolment_ins AFTER INSERT ON "enrolment" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_child_ins();
CREATE TRIGGER progress_enrolment_upd AFTER UPDATE ON "enrolment" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_enrolment_upd();
CREATE TRIGGER progress_enrolment_del AFTER DELETE ON "enrolment" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_child_del();
CREATE TRIGGER progress_report_ins AFTER INSERT ON "employment_report" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_child_ins();
CREATE TRIGGER progress_report_upd AFTER UPDATE ON "employment_report" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_report_upd();
CREATE TRIGGER progress_report_del AFTER DELETE ON "employment_report" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_dirty_child_del();

INSERT INTO "progress_state" (id) VALUES (1);
