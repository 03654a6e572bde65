//! Failed sign-ins per client address, over all accounts (OWASP: throttle by client as well as
//! by account). Known and unknown usernames count alike, so guessing across many accounts, or
//! probing which accounts exist, is slowed the same way. Kept in memory: it protects this
//! process from one client, and it expires by itself; the per-account counters that an
//! operator may need to lift live in the database (`login_failures`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses tracked at most. Past it, expired entries are dropped; if the table is still full
/// (a very wide attack) new addresses go uncounted here: the per-account limits still hold.
const MAX_CLIENTS: usize = 50_000;

pub struct ClientThrottle {
    max_failures: u32,
    window: Duration,
    clients: Mutex<HashMap<String, Window>>,
}

struct Window {
    attempts: u32,
    until: Instant,
}

impl ClientThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            clients: Mutex::default(),
        }
    }

    /// Counts an attempt from `client` before anything is done with it (so concurrent attempts
    /// cannot overtake the count); `false` when the client has used up its attempts.
    pub fn admit(&self, client: &str) -> bool {
        let Ok(mut clients) = self.clients.lock() else {
            return true;
        };
        let now = Instant::now();
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(client) {
            clients.retain(|_, w| w.until > now);
            if clients.len() >= MAX_CLIENTS {
                tracing::warn!("login throttle table full: an address goes uncounted");
                return true;
            }
        }
        let window = clients.entry(client.to_string()).or_insert(Window {
            attempts: 0,
            until: now + self.window,
        });
        if window.until <= now {
            *window = Window {
                attempts: 0,
                until: now + self.window,
            };
        }
        window.attempts += 1;
        if window.attempts == self.max_failures {
            window.until = now + self.window;
        }
        window.attempts <= self.max_failures
    }

    /// Takes back one counted attempt: it succeeded, or it was never evaluated.
    pub fn take_back(&self, client: &str) {
        if let Ok(mut clients) = self.clients.lock()
            && let Some(window) = clients.get_mut(client)
        {
            window.attempts = window.attempts.saturating_sub(1);
        }
    }
}

/// The key a client is counted under: its address, or for IPv6 its /64 (one subscriber gets a
/// whole /64, so single addresses would give an attacker 2^64 fresh counters).
pub fn client_key(ip: Option<&str>) -> String {
    match ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
        Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(String::new, |v4| v4.to_string()),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        None => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_attempts_and_then_none_until_the_window_ends() {
        let throttle = ClientThrottle::new(3, Duration::from_millis(50));
        assert!((0..3).all(|_| throttle.admit("10.0.0.1")));
        assert!(!throttle.admit("10.0.0.1"));
        assert!(throttle.admit("10.0.0.2"), "other clients are not affected");
        throttle.take_back("10.0.0.1");
        assert!(
            !throttle.admit("10.0.0.1"),
            "the refused attempt counted too"
        );
        throttle.take_back("10.0.0.1");
        throttle.take_back("10.0.0.1");
        assert!(
            throttle.admit("10.0.0.1"),
            "a success takes its attempt back"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.admit("10.0.0.1"));
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(
            client_key(Some("2001:db8:1:2:aaaa::1")),
            client_key(Some("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            client_key(Some("2001:db8:1:2::1")),
            client_key(Some("2001:db8:1:3::1"))
        );
        assert_eq!(client_key(Some("::ffff:10.1.2.3")), "10.1.2.3");
        assert_eq!(client_key(Some("10.1.2.3")), "10.1.2.3");
    }
}
