//! Next steps for errors whose fix is not obvious from the message. A hint is advice, not a
//! verdict: which exit code an error gets does not depend on it.

/// A next step for errors whose fix is not obvious from the message.
pub(crate) fn hint(error: &anyhow::Error) -> Option<&'static str> {
    error.chain().find_map(|cause| {
        if let Some(hashpin_pypi::ConfigError::NoDefaultIndex { .. }) = cause.downcast_ref() {
            return Some(
                "set index-url in pip's configuration (pip config set global.index-url URL), or name an interpreter that has pip with --python",
            );
        }
        // The resolver shares one fetch error among its waiters, so in `compile` the index
        // client's error sits in the chain as an `Arc`.
        let index_error = cause.downcast_ref::<hashpin_pypi::Error>().or_else(|| {
            cause
                .downcast_ref::<std::sync::Arc<hashpin_pypi::Error>>()
                .map(AsRef::as_ref)
        })?;
        index_hint(index_error)
    })
}

fn index_hint(error: &hashpin_pypi::Error) -> Option<&'static str> {
    match error {
        hashpin_pypi::Error::Status {
            status: 401 | 403, ..
        } => Some(
            "the index refused the request: give credentials in the index URL (https://USER:PASSWORD@HOST/...) or in ~/.netrc",
        ),
        hashpin_pypi::Error::Offline { .. } => Some("run once without --offline to fill the cache"),
        hashpin_pypi::Error::TooLarge { .. } => Some(
            "if the index is right to serve that much, raise the limit with HASHPIN_MAX_PAGE_MB (pages) or HASHPIN_MAX_FILE_MB (files)",
        ),
        hashpin_pypi::Error::Certificate { .. } => Some(
            "if a proxy intercepts TLS, add its CA to the system's certificates, or name its bundle with pip's `cert` setting (PIP_CERT)",
        ),
        hashpin_pypi::Error::Request { .. } => {
            Some("check the network and the index URL (pip config list shows pip's configuration)")
        }
        _ => None,
    }
}
