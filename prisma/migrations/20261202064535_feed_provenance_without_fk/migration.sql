-- DropForeignKey
ALTER TABLE "field_provenance" DROP CONSTRAINT "field_provenance_person_id_fkey";

-- The registry's person rows are updated in place by feeds, reviews and the chat: leave room in each page so an
-- update that changes no indexed column stays on its page (a HOT update, no index entries written). Applies to
-- pages written from now on, and an existing table takes it when rewritten (VACUUM FULL or pg_repack).
ALTER TABLE "person" SET (fillfactor = 90);
