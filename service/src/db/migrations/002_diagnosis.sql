-- Rules and products are data; every rule-set save is a new version.
CREATE TABLE rule_sets (
    version INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    note TEXT,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE providers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    contact_name TEXT,
    contact_phone TEXT,
    price_min_yuan INTEGER,
    price_max_yuan INTEGER,
    notes TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX providers_category ON providers (category, active);

-- Each diagnosis keeps its input snapshot and rules version, so it explains itself later.
CREATE TABLE diagnoses (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    rules_version INTEGER NOT NULL,
    facts TEXT NOT NULL,
    result TEXT NOT NULL,
    category TEXT NOT NULL,
    total REAL NOT NULL,
    recommended_yuan INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX diagnoses_customer ON diagnoses (customer_id, id DESC);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    diagnosis_id INTEGER NOT NULL REFERENCES diagnoses (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    body TEXT NOT NULL,
    increase_yuan INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX plans_customer ON plans (customer_id, id DESC);
CREATE INDEX plans_status ON plans (status);
