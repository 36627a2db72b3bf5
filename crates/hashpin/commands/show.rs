//! `hashpin show`: what the configured index says about one project.

use std::fmt::Write as _;

use anyhow::Context as _;
use hashpin_pypi::{PackageName, Version};

use crate::cli::ShowArgs;
use crate::printer;

pub(crate) async fn run(args: &ShowArgs) -> anyhow::Result<()> {
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
        None => versions
            .iter()
            .find(|(version, files)| {
                !version.any_prerelease() && files.iter().any(|file| !file.yanked.is_yanked())
            })
            .or_else(|| versions.first())
            .map(|(version, _)| (*version).clone())
            .context("the project lists no files")?,
    };
    let files = versions
        .iter()
        .find(|(version, _)| **version == chosen)
        .map(|(_, files)| files.clone())
        .with_context(|| format!("{name} has no version {chosen}"))?;

    let mut out = String::new();
    let _ = writeln!(out, "{name}: {} versions", versions.len());
    for (version, files) in versions.iter().take(args.versions) {
        let yanked = files.iter().all(|file| file.yanked.is_yanked());
        let note = match files.first().and_then(|file| file.yanked.reason()) {
            Some(reason) if yanked => format!(" (yanked: {reason})"),
            _ if yanked => " (yanked)".to_string(),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {version}  {} files{note}", files.len());
    }
    if versions.len() > args.versions {
        let _ = writeln!(
            out,
            "  … {} older (--versions N lists more)",
            versions.len() - args.versions
        );
    }
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
    let metadata = client.metadata(source).await?;
    let _ = writeln!(
        out,
        "\nmetadata of {name} {chosen} (from {}):",
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
    printer::data(out.trim_end());
    Ok(())
}
