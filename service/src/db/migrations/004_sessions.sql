-- Failed-login counting that cannot be raced or turned against the legitimate user: one counter
-- per (account, client address) and one per account over all clients (client = '*'). Each
-- attempt is counted *before* its password is checked, in one statement, so concurrent guesses
-- cannot slip past the limit. Rows live for one window and are purged after it.
CREATE TABLE login_failures (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    max_failures INTEGER NOT NULL,
    window_until TEXT NOT NULL,
    PRIMARY KEY (user_id, client)
) WITHOUT ROWID;
CREATE INDEX login_failures_window ON login_failures (window_until);

-- Tokens ended by "退出登录" before their expiry; kept until they would have expired anyway.
CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Superseded by login_failures (an upgrade lifts any lock in place).
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
