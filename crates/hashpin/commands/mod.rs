//! One module per subcommand.

pub(crate) mod audit;
pub(crate) mod build_constraints;
pub(crate) mod check;
pub(crate) mod compile;
pub(crate) mod diff;
pub(crate) mod export;
pub(crate) mod freeze;
pub(crate) mod inventory;
pub(crate) mod show;

/// The one-line summary of a written lock: `Locked 12 packages with 342 hashes in 0.28s`.
pub(crate) fn summary(
    verb: &str,
    lock: &hashpin_formats::Lock,
    started: std::time::Instant,
) -> String {
    let hashes: usize = lock
        .packages
        .iter()
        .map(|package| package.hashes().count())
        .sum();
    format!(
        "{verb} {} with {} in {:.2}s",
        count(lock.packages.len(), "package", "packages"),
        count(hashes, "hash", "hashes"),
        started.elapsed().as_secs_f64()
    )
}

/// Removes the builder's scratch directory when the command ends, whichever way it ends.
pub(crate) struct CleanUp<'a>(pub(crate) &'a hashpin_build::Builder);

impl Drop for CleanUp<'_> {
    fn drop(&mut self) {
        self.0.clean_up();
    }
}

/// The summary line, with how many sdists (and local projects) were built for their
/// metadata, and how many of those came from the cache, when any were.
pub(crate) fn with_builds(summary: String, builder: &hashpin_build::Builder) -> String {
    let mut parts = Vec::new();
    let (projects, projects_cached) = builder.local_projects();
    for (built, cached, one, many) in [
        (builder.built(), builder.from_cache(), "sdist", "sdists"),
        (projects, projects_cached, "local project", "local projects"),
    ] {
        match (built, cached) {
            (0, 0) => {}
            (built, 0) => parts.push(format!("built {}", count(built, one, many))),
            (0, cached) => parts.push(format!("{} built before", count(cached, one, many))),
            (built, cached) => parts.push(format!(
                "built {} ({cached} more built before)",
                count(built, one, many)
            )),
        }
    }
    if parts.is_empty() {
        summary
    } else {
        format!("{summary}; {}", parts.join(", "))
    }
}

/// `1 package`, `2 packages`: a one-pin lock should not read "1 packages with 1 hashes".
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
