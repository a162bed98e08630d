-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "RegionLevel" AS ENUM ('PROVINCE', 'PREFECTURE', 'COUNTY', 'TOWNSHIP', 'VILLAGE');

-- CreateEnum
CREATE TYPE "Sex" AS ENUM ('MALE', 'FEMALE');

-- CreateEnum
CREATE TYPE "RegistrationStatus" AS ENUM ('UNREGISTERED', 'PENDING_REVIEW', 'CONFIRMED', 'NEEDS_VISIT');

-- CreateEnum
CREATE TYPE "EmploymentStatus" AS ENUM ('EMPLOYED', 'FLEXIBLE', 'SELF_EMPLOYED', 'FARMING', 'UNEMPLOYED', 'STUDENT', 'RETIRED', 'OTHER');

-- CreateEnum
CREATE TYPE "DataQualityFlag" AS ENUM ('MISSING_PHONE', 'MISSING_RESIDENCE', 'DUPLICATE_MEDICAL', 'DUPLICATE_PENSION', 'SEX_MISMATCH', 'UNKNOWN_REGION', 'EMPLOYMENT_MISMATCH');

-- CreateEnum
CREATE TYPE "EnrolmentStatus" AS ENUM ('PAYING', 'SUSPENDED', 'TERMINATED');

-- CreateEnum
CREATE TYPE "NonEnrolmentReason" AS ENUM ('CANNOT_AFFORD', 'NOT_AWARE', 'ENROLLED_ELSEWHERE', 'EMPLOYER_DID_NOT_ENROL', 'NOT_INTERESTED', 'OTHER');

-- CreateEnum
CREATE TYPE "EnrolmentIntention" AS ENUM ('YES', 'NO', 'UNSURE');

-- CreateEnum
CREATE TYPE "ChangeRequestKind" AS ENUM ('FIELD_CHANGE', 'NEW_PERSON');

-- CreateEnum
CREATE TYPE "ChangeRequestStatus" AS ENUM ('PENDING', 'NEEDS_INFO', 'APPROVED', 'REJECTED');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('ADMIN', 'REVIEWER', 'AGENT', 'COMMUNITY_WORKER');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('STAFF', 'RESIDENT', 'SYSTEM', 'IMPORT');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('OK', 'DENIED', 'FAILED');

-- CreateEnum
CREATE TYPE "HandoffStatus" AS ENUM ('NONE', 'REQUESTED', 'ACTIVE');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('IN', 'OUT');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('PENDING', 'SENDING', 'SENT', 'FAILED', 'UNDELIVERABLE');

-- CreateEnum
CREATE TYPE "TimerStatus" AS ENUM ('PENDING', 'FIRED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "HandoffRequestStatus" AS ENUM ('OPEN', 'TAKEN', 'CLOSED');

-- CreateTable
CREATE TABLE "region" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" "RegionLevel" NOT NULL,
    "parent_code" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "region_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "household" (
    "id" TEXT NOT NULL,
    "region_code" TEXT,
    "address" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "household_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "person" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "id_number" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sex" "Sex",
    "ethnicity" VARCHAR(2),
    "birth_date" DATE,
    "phone" TEXT,
    "hukou_region" TEXT,
    "hukou_address" TEXT,
    "residence_region" TEXT,
    "residence_address" TEXT,
    "region_code" TEXT,
    "household_id" TEXT,
    "employment_status" "EmploymentStatus",
    "employer" TEXT,
    "employer_credit_code" TEXT,
    "employment_since" DATE,
    "registration_status" "RegistrationStatus" NOT NULL DEFAULT 'UNREGISTERED',
    "confirmed_at" TIMESTAMP(3),
    "confirmed_channel" TEXT,
    "needs_visit_reason" TEXT,
    "flags" "DataQualityFlag"[] DEFAULT ARRAY[]::"DataQualityFlag"[],
    "reminders_opt_out" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrolment" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "person_id" UUID NOT NULL,
    "insurance_type" VARCHAR(3) NOT NULL,
    "status" "EnrolmentStatus" NOT NULL,
    "region_code" TEXT,
    "first_enrolled" DATE,
    "last_paid_month" VARCHAR(7),
    "employer" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enrolment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "employment_report" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "person_id" UUID NOT NULL,
    "status" "EmploymentStatus" NOT NULL,
    "employer" TEXT,
    "employer_credit_code" TEXT,
    "platform_work" TEXT,
    "since" DATE,
    "effective_date" DATE NOT NULL,
    "non_enrolment_reason" "NonEnrolmentReason",
    "reason_text" TEXT,
    "intention" "EnrolmentIntention",
    "channel" TEXT NOT NULL,
    "conversation_id" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "employment_report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change_request" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "reference" TEXT NOT NULL,
    "kind" "ChangeRequestKind" NOT NULL,
    "person_id" UUID,
    "household_id" TEXT,
    "fields" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "current_values" JSONB NOT NULL,
    "proposed_values" JSONB NOT NULL,
    "evidence" TEXT,
    "subject_key" TEXT,
    "region_code" TEXT,
    "channel" TEXT NOT NULL,
    "conversation_id" UUID,
    "submitted_by_staff" UUID,
    "status" "ChangeRequestStatus" NOT NULL DEFAULT 'PENDING',
    "version" INTEGER NOT NULL DEFAULT 0,
    "due_at" TIMESTAMP(3) NOT NULL,
    "claimed_by" UUID,
    "claimed_at" TIMESTAMP(3),
    "first_approval_by" UUID,
    "decided_by" UUID,
    "decided_at" TIMESTAMP(3),
    "decision_reason" TEXT,
    "question" TEXT,
    "answer" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "change_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_user" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "username" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "StaffRole" NOT NULL,
    "region_code" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMP(3),
    "last_login_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "staff_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_token" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "staff_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "revoked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "staff_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "source" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "outcome" "AuditOutcome" NOT NULL DEFAULT 'OK',
    "details" JSONB,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversation" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "flow_id" TEXT NOT NULL,
    "flow_version" INTEGER NOT NULL,
    "snapshot" JSONB,
    "locale" TEXT NOT NULL DEFAULT 'zh-CN',
    "version" INTEGER NOT NULL DEFAULT 0,
    "person_id" UUID,
    "bound_until" TIMESTAMP(3),
    "handoff" "HandoffStatus" NOT NULL DEFAULT 'NONE',
    "opted_out_at" TIMESTAMP(3),
    "last_inbound_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message" (
    "seq" BIGSERIAL NOT NULL,
    "conversation_id" UUID NOT NULL,
    "direction" "MessageDirection" NOT NULL,
    "external_id" TEXT,
    "text" TEXT NOT NULL,
    "options" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "outbox_message" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "conversation_id" UUID,
    "message_seq" BIGINT,
    "channel" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'reply',
    "payload" JSONB NOT NULL,
    "status" "OutboxStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMP(3),
    "last_error" TEXT,
    "sent_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "timer" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "conversation_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "due_at" TIMESTAMP(3) NOT NULL,
    "token" INTEGER NOT NULL,
    "status" "TimerStatus" NOT NULL DEFAULT 'PENDING',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "timer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notice_acknowledgement" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "conversation_id" UUID NOT NULL,
    "channel" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "person_id" UUID,
    "notice_version" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "acknowledged_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notice_acknowledgement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "verification_attempt" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "id_number_hash" TEXT NOT NULL,
    "endpoint_key" TEXT NOT NULL,
    "success" BOOLEAN NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "verification_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "one_time_code" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "person_id" UUID NOT NULL,
    "endpoint_key" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "consumed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "one_time_code_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handoff_request" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "conversation_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "HandoffRequestStatus" NOT NULL DEFAULT 'OPEN',
    "region_code" TEXT,
    "taken_by" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "handoff_request_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "region_parent_code_idx" ON "region"("parent_code");

-- CreateIndex
CREATE UNIQUE INDEX "person_id_number_key" ON "person"("id_number");

-- CreateIndex
CREATE INDEX "person_region_code_idx" ON "person"("region_code");

-- CreateIndex
CREATE INDEX "person_household_id_idx" ON "person"("household_id");

-- CreateIndex
CREATE INDEX "person_registration_status_region_code_idx" ON "person"("registration_status", "region_code");

-- CreateIndex
CREATE UNIQUE INDEX "enrolment_person_id_insurance_type_key" ON "enrolment"("person_id", "insurance_type");

-- CreateIndex
CREATE INDEX "employment_report_person_id_idx" ON "employment_report"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "change_request_reference_key" ON "change_request"("reference");

-- CreateIndex
CREATE INDEX "change_request_status_region_code_created_at_idx" ON "change_request"("status", "region_code", "created_at");

-- CreateIndex
CREATE INDEX "change_request_person_id_idx" ON "change_request"("person_id");

-- CreateIndex
CREATE INDEX "change_request_subject_key_idx" ON "change_request"("subject_key");

-- CreateIndex
CREATE UNIQUE INDEX "staff_user_username_key" ON "staff_user"("username");

-- CreateIndex
CREATE UNIQUE INDEX "staff_token_token_hash_key" ON "staff_token"("token_hash");

-- CreateIndex
CREATE INDEX "audit_event_target_type_target_id_at_idx" ON "audit_event"("target_type", "target_id", "at");

-- CreateIndex
CREATE INDEX "audit_event_actor_id_at_idx" ON "audit_event"("actor_id", "at");

-- CreateIndex
CREATE INDEX "conversation_person_id_idx" ON "conversation"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "conversation_channel_endpoint_key" ON "conversation"("channel", "endpoint");

-- CreateIndex
CREATE INDEX "message_conversation_id_seq_idx" ON "message"("conversation_id", "seq");

-- CreateIndex
CREATE INDEX "message_created_at_idx" ON "message"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "message_conversation_id_direction_external_id_key" ON "message"("conversation_id", "direction", "external_id");

-- CreateIndex
CREATE INDEX "outbox_message_status_next_attempt_at_idx" ON "outbox_message"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "outbox_message_conversation_id_idx" ON "outbox_message"("conversation_id");

-- CreateIndex
CREATE INDEX "timer_status_due_at_idx" ON "timer"("status", "due_at");

-- CreateIndex
CREATE UNIQUE INDEX "timer_conversation_id_kind_key" ON "timer"("conversation_id", "kind");

-- CreateIndex
CREATE INDEX "notice_acknowledgement_conversation_id_idx" ON "notice_acknowledgement"("conversation_id");

-- CreateIndex
CREATE INDEX "verification_attempt_id_number_hash_created_at_idx" ON "verification_attempt"("id_number_hash", "created_at");

-- CreateIndex
CREATE INDEX "verification_attempt_endpoint_key_created_at_idx" ON "verification_attempt"("endpoint_key", "created_at");

-- CreateIndex
CREATE INDEX "one_time_code_endpoint_key_created_at_idx" ON "one_time_code"("endpoint_key", "created_at");

-- CreateIndex
CREATE INDEX "handoff_request_status_created_at_idx" ON "handoff_request"("status", "created_at");

-- AddForeignKey
ALTER TABLE "person" ADD CONSTRAINT "person_household_id_fkey" FOREIGN KEY ("household_id") REFERENCES "household"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrolment" ADD CONSTRAINT "enrolment_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "employment_report" ADD CONSTRAINT "employment_report_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_request" ADD CONSTRAINT "change_request_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_token" ADD CONSTRAINT "staff_token_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Append-only audit (Cybersecurity Law art. 21): refuse UPDATE and DELETE on audit_event.
-- (\073 is a semicolon: migration scripts are split on semicolons, so the body must not contain one.)
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql
  AS E'BEGIN RAISE EXCEPTION ''audit_event is append-only''\073 END\073';

CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
