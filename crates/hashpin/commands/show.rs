//! `hashpin show`: what the configured index says about one project.

use std::fmt::Write as _;

use anyhow::Context as _;
use hashpin_pypi::{PackageName, Project, Version};

use crate::cli::ShowArgs;
use crate::exit::ExitStatus;
use crate::printer;

pub(crate) async fn run(args: &ShowArgs) -> anyhow::Result<ExitStatus> {
    let name: PackageName = args
        .project
        .parse()
        .with_context(|| format!("`{}` is not a valid project name", args.project))?;
    let client = crate::settings::index_settings(
        &args.index,
        &crate::settings::index_options(&args.index, &hashpin_formats::RequirementsSet::default()),
    )?
    .client;
    let project = client.project(&name).await?;
    let versions = project.versions();

    let chosen: Version = match &args.version {
        Some(text) => text
            .parse()
            .with_context(|| format!("`{text}` is not a valid version"))?,
        None => default_version(&project).context("the project lists no files")?,
    };
    let files = versions
        .iter()
        .position(|version| *version.version() == chosen)
        .map(|index| project.files_at(index))
        .with_context(|| format!("{name} has no version {chosen}"))?;

    let mut out = String::new();
    let _ = writeln!(out, "{name}: {} versions", versions.len());
    list_versions(&mut out, &project, args.versions);
    let _ = writeln!(out, "\nfiles of {name} {chosen}:");
    for file in &files {
        let hash = file
            .sha256()
            .map_or_else(|| "no sha256".to_string(), ToString::to_string);
        let _ = writeln!(out, "  {}\n    {hash}", file.filename);
        let mut details = Vec::new();
        if let Some(requires_python) = &file.requires_python {
            details.push(format!("requires-python {requires_python}"));
        }
        if let Some(size) = file.size {
            details.push(format!("{size} bytes"));
        }
        if let Some(time) = file.upload_time {
            details.push(format!("uploaded {time}"));
        }
        if !details.is_empty() {
            let _ = writeln!(out, "    {}", details.join(", "));
        }
    }

    // The file whose metadata is cheapest and most general: a universal wheel, any wheel,
    // then the sdist.
    let source = files
        .iter()
        .max_by_key(|file| match &file.parsed {
            hashpin_pypi::DistFilename::Wheel(wheel) if wheel.is_universal() => 2,
            hashpin_pypi::DistFilename::Wheel(_) => 1,
            hashpin_pypi::DistFilename::Sdist(_) => 0,
        })
        .context("the version has no files")?;
    let (metadata, built) = metadata(args, &client, &name, &chosen, source).await?;
    let _ = writeln!(
        out,
        "\nmetadata of {name} {chosen} (from {}{built}):",
        source.filename
    );
    if let Some(requires_python) = &metadata.requires_python {
        let _ = writeln!(out, "  Requires-Python: {requires_python}");
    }
    for requirement in &metadata.requires_dist {
        let _ = writeln!(out, "  Requires-Dist: {requirement}");
    }
    for extra in &metadata.provides_extra {
        let _ = writeln!(out, "  Provides-Extra: {extra}");
    }
    if metadata.requires_dist.is_empty() {
        let _ = writeln!(out, "  (no dependencies)");
    }
    printer::text(out.trim_end())?;
    Ok(ExitStatus::Success)
}

/// One line per version, newest first, at most `limit`.
fn list_versions(out: &mut String, project: &Project, limit: usize) {
    let versions = project.versions();
    for (index, version) in versions.iter().enumerate().take(limit) {
        let files = project.files_at(index);
        let yanked = files.iter().all(|file| file.yanked.is_yanked());
        let note = match files.first().and_then(|file| file.yanked.reason()) {
            Some(reason) if yanked => format!(" (yanked: {reason})"),
            _ if yanked => " (yanked)".to_string(),
            _ => String::new(),
        };
        // Only an sdist: pip builds it to install it (and hashpin, for its metadata, when
        // that is not declared statically).
        let sdist_only = !files.is_empty()
            && files
                .iter()
                .all(|file| matches!(file.parsed, hashpin_pypi::DistFilename::Sdist(_)));
        let sdist_only = if sdist_only { ", sdist only" } else { "" };
        let count = if files.len() == 1 { "file" } else { "files" };
        let _ = writeln!(
            out,
            "  {}  {} {count}{sdist_only}{note}",
            version.version(),
            files.len()
        );
    }
    if versions.len() > limit {
        let _ = writeln!(
            out,
            "  … {} older (--versions N lists more)",
            versions.len() - limit
        );
    }
}

/// The metadata of `source`, built when it is known only by building it; with ", built" to
/// say so.
async fn metadata(
    args: &ShowArgs,
    client: &hashpin_pypi::IndexClient,
    name: &PackageName,
    chosen: &Version,
    source: &hashpin_pypi::DistFile,
) -> anyhow::Result<(hashpin_pypi::CoreMetadata, &'static str)> {
    Ok(match client.metadata(source).await {
        Err(hashpin_pypi::Error::Sdist {
            source: hashpin_pypi::SdistError::Dynamic(why),
            ..
        }) => {
            let (policy, builder) =
                crate::settings::build_policy(&args.build, client, &args.index.python, None)?;
            let _clean_up = super::CleanUp(&builder);
            let builder = policy.builder_for(name).map_err(|refusal| {
                anyhow::anyhow!(
                    "the metadata of {name} {chosen} is known only by building {} ({why}), and {refusal}",
                    source.filename
                )
            })?;
            let metadata = builder
                .build_metadata(source.clone())
                .await
                .map_err(|failure| anyhow::anyhow!(failure))
                .with_context(|| format!("cannot build {} for its metadata", source.filename))?;
            (metadata, ", built")
        }
        read => (read?, ""),
    })
}

/// The newest final release with a file that is not yanked, else the newest version.
fn default_version(project: &Project) -> Option<Version> {
    let versions = project.versions();
    (0..versions.len())
        .find(|&index| {
            !versions[index].version().any_prerelease()
                && project
                    .files_at(index)
                    .iter()
                    .any(|file| !file.yanked.is_yanked())
        })
        .or((!versions.is_empty()).then_some(0))
        .map(|index| versions[index].version().clone())
}
