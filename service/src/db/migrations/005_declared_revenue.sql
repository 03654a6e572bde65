-- 申报收入 (declared revenue, 元): the base of the unsecured cap when invoicing understates income.
ALTER TABLE customers ADD COLUMN annual_revenue_yuan INTEGER;
