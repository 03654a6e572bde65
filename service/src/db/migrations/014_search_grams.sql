-- The list's `q` (issue 17): every 1- and 2-character piece of the searched fields of each live
-- customer, as tokens of a contentless FTS5 table (SQLite's trigram tokenizer cannot serve the
-- common 2-character Chinese query). A 1- or 2-character query is counted from the index alone;
-- longer ones narrow by their pieces and are checked against `search_text`. Kept in step by
-- db/customers.rs (the one writer of `search_text`); filled for existing rows at startup
-- (`customers::ensure_search_grams`). `secure-delete` makes a deleted row's tokens go at once
-- (an erased customer leaves none behind).
CREATE VIRTUAL TABLE customer_grams USING fts5(
    g,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO customer_grams (customer_grams, rank) VALUES ('secure-delete', 1);
-- Only a database that already holds customers needs the fill (a new one is indexed as it grows).
INSERT INTO app_settings (key, value)
    VALUES ('customer_grams_filled', CASE WHEN EXISTS (SELECT 1 FROM customers) THEN '0' ELSE '1' END)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
