-- Applications per bank (进件 / 放款, issue 15). One row per submission of one customer to one
-- lender: a catalogue product, or free text when the lender is not in the catalogue (`institution`
-- is always filled so a list reads without a join). Amounts are integer 元 like every recorded fact.
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    product_id INTEGER REFERENCES products (id) ON DELETE SET NULL,
    institution TEXT NOT NULL,
    amount_applied_yuan INTEGER NOT NULL,
    status TEXT NOT NULL,
    submitted_on TEXT,
    approved_yuan INTEGER,
    rate_pct REAL,
    term_months INTEGER,
    disbursed_yuan INTEGER,
    disbursed_on TEXT,
    reason TEXT,
    note TEXT,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX applications_customer ON applications (customer_id, created_at);
CREATE INDEX applications_status ON applications (status, updated_at);

-- Every status an application passed through, with who moved it and why (a rejection's reason).
CREATE TABLE application_events (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    reason TEXT,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX application_events_application ON application_events (application_id, id);
