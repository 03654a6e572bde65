-- Facts the diagnosis model v2 reads (issue 14): 法人变更日期 (K4), 欠税/非正常户 (V5), and business
-- receipts into personal accounts (the realistic target of a flow plan).
ALTER TABLE customers ADD COLUMN legal_person_changed_on TEXT;
ALTER TABLE customers ADD COLUMN tax_abnormal INTEGER;
ALTER TABLE customers ADD COLUMN personal_receipts_yuan INTEGER;
