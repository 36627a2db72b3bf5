//! `hashpin check`: is a requirements file pinned and hashed throughout, and does the index
//! still serve exactly what it pins?
//!
//! Three groups of rules, one module each: [`local`] needs only the file, [`index`] asks the
//! index about every pin (existence, yanks, hashes), [`complete`] reads every pin's
//! dependencies. Every problem is collected before anything is printed, so one run lists all
//! of them; [`report`] prints them for people or as JSON.

mod complete;
mod finding;
mod index;
mod local;
mod report;

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use anyhow::Context as _;
use hashpin_formats::{Input, RequirementsSet};
use hashpin_pypi::{CacheMode, Timestamp};

use crate::cli::CheckArgs;
use crate::exit::Refusal;
use crate::printer;
use crate::settings::{IndexSettings, index_options, index_settings, target_environment};
use report::Report;

pub(crate) async fn run(args: &CheckArgs) -> anyhow::Result<()> {
    let inputs = args
        .files
        .iter()
        .map(|path| input(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let set = RequirementsSet::read_for_audit(&inputs, |name| std::env::var(name).ok())?;
    let (mut findings, pins) = local::check(&set);
    let verify_hashes = !args.no_verify_hashes;

    let checks_index = !args.index.offline && !pins.is_empty();
    if checks_index {
        let cutoff = match &args.exclude_newer {
            Some(text) => Some(Timestamp::from_str(text).context("invalid --exclude-newer")?),
            None => header_cutoff(&args.files),
        };
        let IndexSettings {
            client,
            interpreter,
        } = index_settings(&args.index, &index_options(&args.index, &set))?;
        // Yank status is the point: pages are fetched anew, never taken from the cache on the
        // strength of a max-age.
        let client = client.with_options(|options| options.cache_mode = CacheMode::Refresh);
        let listings = index::fetch(&client, &pins).await?;
        findings.extend(index::check(&pins, &listings, verify_hashes, cutoff)?);
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
    let mut report = Report::new(
        files,
        set.requirements.len()
            + set
                .unlockable
                .iter()
                .filter(|line| {
                    !matches!(
                        line.kind,
                        hashpin_formats::UnlockableKind::MalformedHash { .. }
                    )
                })
                .count(),
        findings,
    );
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
        return Err(Refusal(format!(
            "the check failed with {}",
            report::plural(report.errors, "error")
        ))
        .into());
    }
    Ok(())
}

fn input(path: &Path) -> anyhow::Result<Input> {
    if path != Path::new("-") {
        return Ok(Input::Path(path.to_path_buf()));
    }
    let text = crate::output::read_stdin()?;
    Ok(Input::Text {
        name: PathBuf::from("-"),
        text,
    })
}

/// The `--exclude-newer` of a lock's header (hashpin writes `--exclude-newer=T`, uv
/// `--exclude-newer T`): files uploaded after it were left out on purpose, so their hashes are
/// not expected. The header is the comment block at the top.
fn header_cutoff(files: &[PathBuf]) -> Option<Timestamp> {
    files.iter().find_map(|path| {
        let text = hashpin_formats::read_bounded(path, hashpin_formats::MAX_FILE_BYTES).ok()?;
        let words: Vec<&str> = text
            .lines()
            .take_while(|line| line.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect();
        words.iter().enumerate().find_map(|(at, word)| {
            let value = match word.strip_prefix("--exclude-newer") {
                Some("") => words.get(at + 1)?,
                Some(inline) => inline.strip_prefix('=')?,
                None => return None,
            };
            Timestamp::from_str(value).ok()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_read_from_hashpin_and_uv_headers() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let headers = [
            "#\n#    hashpin compile requirements.in --exclude-newer=2024-03-01\n#\nx==1\n",
            "#    uv pip compile requirements.in --exclude-newer 2024-03-01T00:00:00Z --generate-hashes\nx==1\n",
        ];
        for header in headers {
            let path = dir.path().join("requirements.txt");
            std::fs::write(&path, header).expect("write");
            assert_eq!(
                header_cutoff(&[path]),
                Some(Timestamp::from_str("2024-03-01").expect("a date")),
                "{header}"
            );
        }
        // Only the header counts, and a header without a cutoff has none.
        let path = dir.path().join("requirements.txt");
        std::fs::write(
            &path,
            "# made by hand\nx==1\n# --exclude-newer=2024-03-01\n",
        )
        .expect("write");
        assert_eq!(header_cutoff(&[path]), None);
    }
}
