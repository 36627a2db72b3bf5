//! Lists a project's versions and the dependencies of its newest one, using the index client
//! as a library against the configured index (pip's configuration, as `hashpin show` reads it).
//!
//! ```text
//! cargo run --example show-project -- requests
//! ```
#![expect(clippy::print_stdout, reason = "an example prints its result")]

use hashpin_pypi::{
    Cache, ClientOptions, IndexClient, IndexConfig, IndexOptions, InterpreterInfo, PackageName,
    PipEnvironment,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name: PackageName = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "pip".into())
        .parse()?;
    let python = std::path::Path::new("python3");
    let cache = Cache::default_root().map(Cache::new);
    let interpreter = InterpreterInfo::query(python, cache.as_ref())?;
    let config = IndexConfig::load(
        &IndexOptions::default(),
        &PipEnvironment::from_process(Some(interpreter.prefix.clone())),
        || interpreter.default_index(python),
    )?;
    let client = IndexClient::new(
        config,
        ClientOptions {
            cache,
            ..ClientOptions::default()
        },
    )?;

    let project = client.project(&name).await?;
    let versions = project.versions();
    let Some(newest) = versions.first() else {
        return Err(format!("{name} lists no files").into());
    };
    println!(
        "{name}: {} versions, newest {}",
        versions.len(),
        newest.version()
    );
    // Files are unpacked per version: ask only for the ones you need.
    let files = project.files_at(0);
    let Some(file) = files.first() else {
        return Err(format!("{name} {} lists no files", newest.version()).into());
    };
    let metadata = client.metadata(file).await?;
    for requirement in &metadata.requires_dist {
        println!("  {requirement}");
    }
    Ok(())
}
