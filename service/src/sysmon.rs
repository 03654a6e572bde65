//! Host and process figures from sysinfo, shared by `/api/system/metrics` and `loan-broker monitor`.

use std::path::Path;
use std::sync::Mutex;

use sysinfo::{Disks, ProcessesToUpdate, System};

pub struct SysMon {
    system: Mutex<System>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DiskUsage {
    pub total_bytes: u64,
    pub available_bytes: u64,
}

impl DiskUsage {
    pub fn used_pct(&self) -> f64 {
        if self.total_bytes == 0 {
            0.0
        } else {
            100.0 * (1.0 - self.available_bytes as f64 / self.total_bytes as f64)
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

/// Usage of the filesystem that holds `path` (the disk with the longest matching mount point).
pub fn disk_usage(path: &Path) -> Option<DiskUsage> {
    let path = path.canonicalize().ok()?;
    let disks = Disks::new_with_refreshed_list().ok()?;
    disks
        .iter()
        .filter(|d| path.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())
        .map(|d| DiskUsage {
            total_bytes: d.total_space(),
            available_bytes: d.available_space(),
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
