-- Customer documents (客户资料, issue 15). The file lives under <state_dir>/uploads/documents/
-- under `stored_name` (128 random bits in hex, never derived from the upload); `file_name` is the
-- client's name, kept for display and the download's Content-Disposition only.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    note TEXT,
    uploaded_by INTEGER REFERENCES users (id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX documents_customer ON documents (customer_id, uploaded_at);
