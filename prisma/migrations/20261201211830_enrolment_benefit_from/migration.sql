-- AlterTable
ALTER TABLE "enrolment" ADD COLUMN     "benefit_from" VARCHAR(7);
