-- AlterTable
ALTER TABLE "change_request" ADD COLUMN     "decision_checks" JSONB,
ADD COLUMN     "first_approval_at" TIMESTAMP(3);
