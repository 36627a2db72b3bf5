//! How old a release is, for the cooldown rules of `check --min-age` and `audit --min-age`:
//! its first file's upload time against the cooldown.

use hashpin_pypi::{DistFile, Span, Timestamp};

/// Why a release of `files` is younger than `min_age`, or `None` when it is older: its first
/// file was uploaded that recently, or no file has an upload time (nothing shows it old).
pub(crate) fn too_young(files: &[DistFile], min_age: Span) -> Option<String> {
    let oldest_allowed = min_age.before(Timestamp::now());
    let uploaded = files.iter().filter_map(|file| file.upload_time).min();
    let age = match uploaded {
        Some(uploaded) if uploaded <= oldest_allowed => return None,
        Some(uploaded) => format!(
            "was uploaded {} ago ({uploaded})",
            Span::from_seconds(Timestamp::now().unix_seconds() - uploaded.unix_seconds()).human()
        ),
        None => "has no upload time on the index".to_string(),
    };
    Some(format!(
        "{age}, under --min-age {}: a release this fresh has had no time to be found out",
        min_age.human()
    ))
}
