//! Host and process figures from sysinfo, shared by `/api/system/metrics` and `loan-broker monitor`.

use std::path::Path;
use std::sync::Mutex;

use sysinfo::{ProcessesToUpdate, System};

pub struct SysMon {
    system: Mutex<System>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DiskUsage {
    pub total_bytes: u64,
    /// Free to unprivileged users (the service's own view).
    pub available_bytes: u64,
    /// Occupied by files (total minus all free blocks, reserved ones included).
    pub used_bytes: u64,
}

impl DiskUsage {
    pub fn used_pct(&self) -> f64 {
        if self.total_bytes == 0 {
            0.0
        } else {
            // As `df` counts: blocks reserved for root are neither used nor available, so a disk
            // with a large reserve is not reported as nearly full while it has room.
            let usable = self.used_bytes + self.available_bytes;
            if usable == 0 {
                return 100.0;
            }
            100.0 * self.used_bytes as f64 / usable as f64
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    pub cpu_pct: f64,
    pub memory_total_bytes: u64,
    pub memory_used_bytes: u64,
    pub process_rss_bytes: u64,
    pub host_uptime_seconds: u64,
}

impl SysMon {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            system: Mutex::new(System::new()?),
        })
    }

    /// CPU usage is measured between two calls; the first one reports 0.
    pub fn snapshot(&self) -> Snapshot {
        let mut sys = self.system.lock().expect("sysinfo lock");
        sys.refresh_cpu_usage();
        sys.refresh_memory();
        let rss = sysinfo::get_current_pid().ok().and_then(|pid| {
            sys.refresh_processes(ProcessesToUpdate::Some(&[pid]), true);
            sys.process(pid).map(|p| p.memory())
        });
        Snapshot {
            cpu_pct: f64::from(sys.global_cpu_usage()),
            memory_total_bytes: sys.total_memory(),
            memory_used_bytes: sys.used_memory(),
            process_rss_bytes: rss.unwrap_or(0),
            host_uptime_seconds: System::uptime().unwrap_or(0),
        }
    }
}

/// Usage of the filesystem that holds `path`.
pub fn disk_usage(path: &Path) -> Option<DiskUsage> {
    let st = rustix::fs::statvfs(path).ok()?;
    let block = st.f_frsize.max(1);
    Some(DiskUsage {
        total_bytes: st.f_blocks * block,
        available_bytes: st.f_bavail * block,
        used_bytes: st.f_blocks.saturating_sub(st.f_bfree) * block,
    })
}

/// The database plus its WAL, in bytes.
pub fn database_bytes(db_path: &Path) -> u64 {
    let wal = db_path.with_extension("db-wal");
    [db_path, wal.as_path()]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_share_leaves_reserved_blocks_out_as_df_does() {
        // 100 blocks: 40 used, 10 available, 50 reserved for root → df says 80 %, not 90 %.
        let d = DiskUsage {
            total_bytes: 100,
            available_bytes: 10,
            used_bytes: 40,
        };
        assert_eq!(d.used_pct(), 80.0);
        let full = DiskUsage {
            total_bytes: 100,
            available_bytes: 0,
            used_bytes: 0,
        };
        assert_eq!(full.used_pct(), 100.0);
    }

    #[test]
    fn the_state_dir_disk_is_measured() {
        let d = disk_usage(Path::new("/")).expect("statvfs of /");
        assert!(d.total_bytes > 0 && d.used_bytes <= d.total_bytes);
        assert!((0.0..=100.0).contains(&d.used_pct()));
    }
}
