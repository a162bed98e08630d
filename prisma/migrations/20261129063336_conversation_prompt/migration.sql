-- AlterTable
ALTER TABLE "conversation" ADD COLUMN     "last_prompt" JSONB;

-- AlterTable
ALTER TABLE "message" ADD COLUMN     "in_reply_to" BIGINT;

-- CreateIndex
CREATE INDEX "message_in_reply_to_idx" ON "message"("in_reply_to");
