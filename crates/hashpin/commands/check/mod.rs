//! `hashpin check`: is a requirements file pinned and hashed throughout, and does the index
//! still serve exactly what it pins?
//!
//! Three groups of rules, one module each: [`local`] needs only the file, [`index`] asks the
//! index about every pin (existence, yanks, hashes), [`complete`] reads every pin's
//! dependencies. Every problem is collected before anything is printed, so one run lists all
//! of them; [`report`] prints them for people or as JSON.

mod complete;
mod finding;
mod hooks;
mod index;
mod local;
mod report;

use hashpin_formats::RequirementsSet;
use hashpin_pypi::CacheMode;

use crate::cli::CheckArgs;
use crate::exit::{ExitStatus, No};
use crate::lockfile::LockFile;
use crate::printer;
use crate::settings::{IndexSettings, index_options, index_settings, target_environment};
use report::Report;

/// Reads every file as a lock, with the findings of the rules that need only the file, and
/// how many requirements (lines or packages) were read.
fn read_locks(args: &CheckArgs) -> anyhow::Result<(Vec<LockFile>, Vec<finding::Finding>, usize)> {
    let mut locks = Vec::new();
    let mut findings = Vec::new();
    let mut requirements = 0;
    for path in &args.files {
        let read = crate::lockfile::read(path, None)?;
        if let Some(set) = &read.lines {
            findings.extend(local::check(set));
            requirements += set.requirements.len()
                + set
                    .unlockable
                    .iter()
                    .filter(|line| {
                        !matches!(
                            line.kind,
                            hashpin_formats::UnlockableKind::MalformedHash { .. }
                        )
                    })
                    .count();
        } else {
            findings.extend(local::check_pylock(&read.lock.packages, &read.locations));
            requirements += read.lock.packages.len();
        }
        locks.push(read);
    }
    Ok((locks, findings, requirements))
}

pub(crate) async fn run(args: &CheckArgs) -> anyhow::Result<ExitStatus> {
    let (locks, mut findings, requirements) = read_locks(args)?;
    // One pin per package of every file; the index rules ask about each.
    let pins: Vec<local::Pin<'_>> = locks
        .iter()
        .flat_map(|read| local::Pin::all(&read.lock, &read.locations))
        .collect();
    let verify_hashes = !args.no_verify_hashes;

    let checks_index = !args.index.offline && !pins.is_empty();
    if checks_index {
        let cutoff = match &args.exclude_newer {
            Some(cutoff) => Some(cutoff.at),
            None => locks.iter().find_map(|read| read.lock.cutoff),
        };
        let lines = RequirementsSet {
            index_url: locks
                .iter()
                .find_map(|read| read.lines.as_ref()?.index_url.clone()),
            extra_index_urls: locks
                .iter()
                .filter_map(|read| read.lines.as_ref())
                .flat_map(|set| set.extra_index_urls.clone())
                .collect(),
            find_links: locks
                .iter()
                .filter_map(|read| read.lines.as_ref())
                .flat_map(|set| set.find_links.clone())
                .collect(),
            no_index: locks
                .iter()
                .filter_map(|read| read.lines.as_ref())
                .any(|set| set.no_index),
            ..RequirementsSet::default()
        };
        let IndexSettings {
            client,
            interpreter,
        } = index_settings(&args.index, &index_options(&args.index, &lines))?;
        // Yank status is the point: pages are fetched anew, never taken from the cache on the
        // strength of a max-age.
        let client = client.with_options(|options| options.cache_mode = CacheMode::Refresh);
        let listings = index::fetch(&client, &pins).await?;
        let rules = index::HashRules {
            verify: verify_hashes,
            cutoff,
            every_file: locks
                .iter()
                .all(|read| read.lock.hash_scope == hashpin_formats::HashScope::EveryFile),
            min_age: args.min_age,
        };
        findings.extend(index::check(&pins, &listings, rules)?);
        let (found, scan) =
            hooks::check(&client, &pins, &listings, &args.gate.allow_startup_hook).await?;
        findings.extend(found);
        if let Some(summary) = scan.summary(&args.gate.allow_startup_hook) {
            printer::status(&summary);
        }
        if args.complete {
            let target =
                target_environment(&args.target, &args.index.python, interpreter.as_ref().ok())?;
            // Dependencies only a build tells are built, as compile builds them.
            let (policy, builder) =
                crate::settings::build_policy(&args.build, &client, &args.index.python, cutoff)?;
            let _clean_up = super::CleanUp(&builder);
            findings.extend(complete::check(&client, &policy, &pins, &listings, &target).await?);
        }
    }

    let files = args
        .files
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    let mut report = Report::new(files, requirements, findings);
    if locks.iter().all(|read| read.lines.is_none()) {
        report.unit = "package";
    }
    report.index_checked = checks_index;
    report.offline = args.index.offline;
    report.hashes_verified = checks_index && verify_hashes;
    report.complete = checks_index
        && args.complete
        && !report
            .findings
            .iter()
            .any(|found| found.rule == finding::Rule::UnknownDependencies);
    report.print(args.format)?;
    printer::status(&report.summary());
    if report.errors > 0 {
        return Ok(No::because(format!(
            "the check failed with {}",
            report::plural(report.errors, "error")
        ))
        .into());
    }
    Ok(ExitStatus::Success)
}
