-- AlterEnum
ALTER TYPE "ChangeRequestKind" ADD VALUE 'MERGE';

-- AlterTable
ALTER TABLE "person" ADD COLUMN     "merged_at" TIMESTAMP(3),
ADD COLUMN     "merged_into_id" UUID;

-- AlterTable
ALTER TABLE "work_item" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "person_merged_into_id_idx" ON "person"("merged_into_id");
