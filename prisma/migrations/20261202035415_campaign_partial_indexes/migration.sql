-- DropIndex
DROP INDEX "campaign_recipient_conversation_id_idx";

-- DropIndex
DROP INDEX "campaign_recipient_sent_at_idx";

-- DropIndex
DROP INDEX "outbox_message_conversation_id_idx";

-- DropIndex
DROP INDEX "outbox_message_sent_at_idx";

-- CreateIndex
CREATE INDEX "campaign_recipient_sent_at_idx" ON "campaign_recipient"("sent_at") WHERE (sent_at IS NOT NULL);

-- CreateIndex
CREATE INDEX "campaign_recipient_conversation_id_idx" ON "campaign_recipient"("conversation_id") WHERE (conversation_id IS NOT NULL);

-- CreateIndex
CREATE INDEX "outbox_message_next_attempt_at_id_idx" ON "outbox_message"("next_attempt_at", "id") WHERE (status = 'PENDING' AND channel = 'sms');

-- CreateIndex
CREATE INDEX "outbox_message_conversation_id_idx" ON "outbox_message"("conversation_id") WHERE (conversation_id IS NOT NULL);

-- CreateIndex
CREATE INDEX "outbox_message_sent_at_idx" ON "outbox_message"("sent_at") WHERE (sent_at IS NOT NULL);
