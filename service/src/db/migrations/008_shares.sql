-- Read-only report links for the client (分享链接). Only a SHA-256 of the token is stored: the
-- link itself is shown once, to the broker who made it, so a copy of the database (a backup, a
-- support dump) opens no report.
CREATE TABLE shares (
    id INTEGER PRIMARY KEY,
    diagnosis_id INTEGER NOT NULL REFERENCES diagnoses(id) ON DELETE CASCADE,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    contact_line TEXT NOT NULL,
    open_count INTEGER NOT NULL DEFAULT 0,
    last_opened_at TEXT
);
CREATE INDEX shares_diagnosis ON shares (diagnosis_id);

-- Every open of a link, newest kept (the oldest beyond a bound are dropped, the count stays).
CREATE TABLE share_opens (
    id INTEGER PRIMARY KEY,
    share_id INTEGER NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    opened_at TEXT NOT NULL,
    client_ip TEXT,
    user_agent TEXT
);
CREATE INDEX share_opens_share ON share_opens (share_id, id);
