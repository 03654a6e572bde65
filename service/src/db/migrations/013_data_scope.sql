-- Team controls (issue 16). Each account sees either only the customers it owns (`own`) or all of
-- them (`all`); exporting and deleting are permissions an admin grants. Admins always see and may
-- do everything (the columns are kept for them too, so a demotion starts from a defined state).
-- Existing staff start at the privacy-preserving default — own customers, no export, no delete —
-- and an admin widens it per person (docs/user-guide/privacy.md says so).
ALTER TABLE users ADD COLUMN data_scope TEXT NOT NULL DEFAULT 'own' CHECK (data_scope IN ('own', 'all'));
ALTER TABLE users ADD COLUMN can_export INTEGER NOT NULL DEFAULT 0 CHECK (can_export IN (0, 1));
ALTER TABLE users ADD COLUMN can_delete INTEGER NOT NULL DEFAULT 0 CHECK (can_delete IN (0, 1));
UPDATE users SET data_scope = 'all', can_export = 1, can_delete = 1 WHERE role = 'admin';

-- A customer nobody owns would vanish for every `own` account: it goes to whoever recorded it.
UPDATE customers SET owner_id = created_by WHERE owner_id IS NULL AND created_by IS NOT NULL;

-- 法人身份证号: personal, masked for everyone but the owner and admins.
ALTER TABLE customers ADD COLUMN legal_person_id_no TEXT;
