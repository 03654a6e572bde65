-- Follow-ups (跟进记录, issue 15): a contact that happened, and when to contact the client next.
-- An open follow-up (done_at NULL) with a next contact time is a task of its assignee; it stays in
-- the due list until someone marks it done, however old it is.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    contacted_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    content TEXT NOT NULL,
    result TEXT,
    next_contact_at TEXT,
    assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    done_at TEXT,
    done_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX follow_ups_customer ON follow_ups (customer_id, contacted_at);
CREATE INDEX follow_ups_open ON follow_ups (assignee_id, next_contact_at)
    WHERE done_at IS NULL AND next_contact_at IS NOT NULL;

-- The last day (UTC+8, YYYY-MM-DD) each user's digest of due follow-ups went out, so a restart
-- or a second instance of the timer never sends the same day twice.
CREATE TABLE follow_up_digests (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_sent_on TEXT NOT NULL
);
