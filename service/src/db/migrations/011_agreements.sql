-- Fee agreements (委托协议, issue 15): what the broker charges one customer, for one application
-- or for all of the customer's disbursed applications (`application_id` null), when the fee is
-- due (by default only after 放款 — no upfront fee), the refund terms, and what has been received.
-- Amounts are integer 元; a percentage fee is computed from the disbursed amounts when read.
CREATE TABLE agreements (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    application_id INTEGER REFERENCES applications (id) ON DELETE SET NULL,
    fee_type TEXT NOT NULL CHECK (fee_type IN ('percent', 'fixed')),
    fee_rate_pct REAL,
    fee_fixed_yuan INTEGER,
    due_on TEXT NOT NULL DEFAULT 'disbursement' CHECK (due_on IN ('disbursement', 'signing')),
    refund_terms TEXT,
    service_scope TEXT,
    signed_on TEXT,
    received_yuan INTEGER NOT NULL DEFAULT 0 CHECK (received_yuan >= 0),
    note TEXT,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((fee_type = 'percent' AND fee_rate_pct IS NOT NULL AND fee_fixed_yuan IS NULL)
        OR (fee_type = 'fixed' AND fee_fixed_yuan IS NOT NULL AND fee_rate_pct IS NULL))
);
CREATE INDEX agreements_customer ON agreements (customer_id, created_at);
CREATE INDEX agreements_application ON agreements (application_id);

-- Every commission (返佣) the broker receives from a lender or provider for the agreement's
-- business, disclosed to the client: a rate of the disbursed amount or a fixed amount, never both.
CREATE TABLE agreement_rebates (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    payer TEXT NOT NULL,
    rate_pct REAL,
    amount_yuan INTEGER,
    CHECK ((rate_pct IS NULL) <> (amount_yuan IS NULL)),
    UNIQUE (agreement_id, position)
);
