-- AlterTable
ALTER TABLE "handoff_request" ADD COLUMN     "acked_at" TIMESTAMP(3),
ADD COLUMN     "channel" TEXT,
ADD COLUMN     "claimed_at" TIMESTAMP(3),
ADD COLUMN     "closed_at" TIMESTAMP(3),
ADD COLUMN     "closed_by" UUID,
ADD COLUMN     "outcome" TEXT,
ADD COLUMN     "person_id" UUID,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "message" ADD COLUMN     "staff_id" UUID;

-- AlterTable
ALTER TABLE "notice_acknowledgement" ADD COLUMN     "mode" TEXT NOT NULL DEFAULT 'WRITTEN',
ADD COLUMN     "staff_id" UUID;

-- CreateTable
CREATE TABLE "assisted_session" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "conversation_id" UUID,
    "agent_id" UUID NOT NULL,
    "caller_number" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "assisted_session_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "assisted_session_agent_id_created_at_idx" ON "assisted_session"("agent_id", "created_at");

-- CreateIndex
CREATE INDEX "handoff_request_conversation_id_idx" ON "handoff_request"("conversation_id");
