-- Customer consents (个人信息处理授权, PIPL Art. 23/28/29): what the customer allowed the broker to
-- do (purposes) with which sensitive personal information (data), how and when it was obtained,
-- and its withdrawal. A row is never deleted by the product (withdrawal sets `withdrawn_*`); it
-- goes with its customer (ON DELETE CASCADE, for erasure).
--
-- The two sets are stored as one canonical text each: the codes in vocabulary order joined by
-- commas, no spaces, no repeats. A set has at most three members, so the CHECK simply lists every
-- non-empty canonical subset: the database itself refuses an empty set, an unknown code or a
-- non-canonical spelling, `purposes LIKE '%lender_submission%'` stays a plain query, and no join
-- table is needed for a value that is always read and written whole.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    purposes TEXT NOT NULL CHECK (purposes IN (
        'assessment', 'lender_submission', 'provider_referral',
        'assessment,lender_submission', 'assessment,provider_referral',
        'lender_submission,provider_referral',
        'assessment,lender_submission,provider_referral')),
    data TEXT NOT NULL CHECK (data IN (
        'credit_report', 'bank_flow', 'id_document',
        'credit_report,bank_flow', 'credit_report,id_document', 'bank_flow,id_document',
        'credit_report,bank_flow,id_document')),
    method TEXT NOT NULL CHECK (method IN ('paper', 'electronic')),
    obtained_on TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    document_id INTEGER REFERENCES documents (id) ON DELETE SET NULL,
    note TEXT,
    created_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    withdraw_reason TEXT,
    CHECK (withdrawn_by IS NULL OR withdrawn_at IS NOT NULL),
    CHECK (withdraw_reason IS NULL OR withdrawn_at IS NOT NULL)
);
CREATE INDEX consents_customer ON consents (customer_id, created_at);
