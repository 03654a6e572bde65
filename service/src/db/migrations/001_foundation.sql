CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    token_version INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uscc TEXT,
    established_on TEXT,
    reg_capital_yuan INTEGER,
    legal_person TEXT,
    legal_person_age INTEGER,
    annual_invoice_yuan INTEGER,
    invoice_gap_months INTEGER,
    annual_tax_yuan INTEGER,
    tax_grade TEXT,
    monthly_flow_yuan INTEGER,
    current_overdue INTEGER,
    overdue_count_24m INTEGER,
    lian3lei6_24m INTEGER,
    severe_record_5y INTEGER,
    inquiries_1m INTEGER,
    inquiries_3m INTEGER,
    inquiries_6m INTEGER,
    card_utilization_pct REAL,
    credit_institutions INTEGER,
    business_loan_count INTEGER,
    business_loan_balance_yuan INTEGER,
    dishonest_debtor INTEGER,
    business_status TEXT,
    main_business TEXT,
    industry TEXT,
    loan_demand_yuan INTEGER,
    contact_name TEXT,
    contact_phone TEXT,
    owner_id INTEGER REFERENCES users (id),
    stage TEXT NOT NULL DEFAULT 'new',
    notes TEXT,
    latest_diagnosis_id INTEGER,
    latest_category TEXT,
    latest_total REAL,
    latest_recommended_yuan INTEGER,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
-- One company, one record: also across soft-deleted rows, so a restore can never collide.
CREATE UNIQUE INDEX customers_uscc ON customers (uscc) WHERE uscc IS NOT NULL;
CREATE INDEX customers_live_updated ON customers (deleted_at, updated_at DESC, id DESC);
CREATE INDEX customers_category ON customers (latest_category) WHERE deleted_at IS NULL;
CREATE INDEX customers_stage ON customers (stage) WHERE deleted_at IS NULL;
CREATE INDEX customers_industry ON customers (industry) WHERE deleted_at IS NULL;
CREATE INDEX customers_owner ON customers (owner_id) WHERE deleted_at IS NULL;
CREATE INDEX customers_name ON customers (name);

CREATE TABLE collaterals (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    description TEXT,
    appraisal_yuan INTEGER,
    lien_yuan INTEGER,
    held_since TEXT
);
CREATE INDEX collaterals_customer ON collaterals (customer_id, position);

CREATE TABLE audit_logs (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    username TEXT,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    ip TEXT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_logs_at ON audit_logs (at DESC);
CREATE INDEX audit_logs_user ON audit_logs (user_id, at DESC);
CREATE INDEX audit_logs_resource ON audit_logs (resource_type, resource_id);
