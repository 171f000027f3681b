//! Resident memory and CPU time of this process, from Linux's `/proc/self`, so each run
//! reports its own: the memory peak is reset before a run by writing 5 to
//! `/proc/self/clear_refs`, and CPU time is what the run cost even on a machine loaded by
//! others, where wall-clock time is not.

use std::fs;

/// Resets the peak resident set size (`VmHWM`) to the current one. Returns whether the
/// kernel took it; otherwise the peak is the process's since start.
pub(crate) fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Current resident set size in bytes (`VmRSS`), if known.
pub(crate) fn current() -> Option<u64> {
    status_kib("VmRSS:").map(|kib| kib * 1024)
}

/// Peak resident set size in bytes (`VmHWM`) since start or the last reset, if known.
pub(crate) fn peak() -> Option<u64> {
    status_kib("VmHWM:").map(|kib| kib * 1024)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// CPU time this (single-threaded) process has run for, from `/proc/self/schedstat`, if known.
pub(crate) fn cpu_time() -> Option<std::time::Duration> {
    let stat = fs::read_to_string("/proc/self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(std::time::Duration::from_nanos(nanos))
}
