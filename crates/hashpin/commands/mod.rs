//! One module per subcommand.

pub(crate) mod check;
pub(crate) mod compile;
pub(crate) mod freeze;
pub(crate) mod show;

/// The one-line summary of a written lock: `Locked 12 packages with 342 hashes in 0.28s`.
pub(crate) fn summary(
    verb: &str,
    lock: &hashpin_formats::Lock,
    started: std::time::Instant,
) -> String {
    let hashes: usize = lock.entries.iter().map(|entry| entry.hashes.len()).sum();
    format!(
        "{verb} {} with {} in {:.2}s",
        count(lock.entries.len(), "package", "packages"),
        count(hashes, "hash", "hashes"),
        started.elapsed().as_secs_f64()
    )
}

/// `1 package`, `2 packages`: a one-pin lock should not read "1 packages with 1 hashes".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
