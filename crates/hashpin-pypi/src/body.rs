//! Receiving a response body within limits: how much, how slowly, and where it is kept.
//!
//! Every body is read chunk by chunk (after any `Content-Encoding` is undone, so the limit is
//! on what the body inflates to, not on what crossed the wire): a gzip bomb or an endless
//! page stops at its limit instead of at the machine's memory. A body allowed to spill (a whole
//! wheel or sdist) goes to an anonymous temporary file once it is larger than a few
//! megabytes, hashed on the way, so a run's memory does not grow with the files it reads.
//!
//! A server that sends a byte now and then never trips a read timeout, so each request also
//! has a deadline that grows with what it has received: [`Limits::deadline_base`], plus one
//! second per [`Limits::min_rate`] bytes.

use std::io::{Seek as _, Write as _};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

/// How much a response may hold, and how slowly it may come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest index page (Simple API JSON or HTML), decompressed.
    pub page_bytes: u64,
    /// The largest core metadata: a `.metadata` file, or `METADATA` / `PKG-INFO` /
    /// `pyproject.toml` inside an archive, decompressed.
    pub metadata_bytes: u64,
    /// The largest whole file downloaded (a wheel without range support, an sdist), and the
    /// most an sdist's archive may inflate to while it is searched.
    pub file_bytes: u64,
    /// Every request may take this long, plus the time [`Self::min_rate`] allows for what it
    /// received.
    pub deadline_base: Duration,
    /// The slowest average a long download may keep, in bytes per second.
    pub min_rate: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            page_bytes: 256 * MIB,
            metadata_bytes: 64 * MIB,
            file_bytes: 4096 * MIB,
            deadline_base: Duration::from_mins(2),
            min_rate: 64 * 1024,
        }
    }
}

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;

impl Limits {
    /// When a request that started at `started` and has received `received` bytes must end.
    fn deadline(&self, started: Instant, received: u64) -> Instant {
        let allowed = self.deadline_base + Duration::from_secs(received / self.min_rate.max(1));
        started + allowed
    }
}

/// How one response's body is received.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit {
    /// At most this many bytes.
    pub(crate) max: u64,
    /// Whether a large body goes to a temporary file (and is hashed) instead of memory.
    pub(crate) spill: bool,
}

/// Bodies larger than this spill to disk, where spilling is allowed.
const SPILL_BYTES: usize = 8 * 1024 * 1024;

/// A received body.
#[derive(Debug)]
pub(crate) enum Body {
    /// Kept in memory.
    Memory(Vec<u8>),
    /// In an anonymous temporary file (positioned at its start), with its SHA-256.
    Spilled {
        file: std::fs::File,
        len: u64,
        sha256: [u8; 32],
    },
}

impl Body {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Self::Memory(bytes) => bytes.len() as u64,
            Self::Spilled { len, .. } => *len,
        }
    }
}

/// Why a body could not be received.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The connection failed.
    Http(reqwest::Error),
    /// Larger than the limit.
    TooLarge,
    /// Slower than the deadline allows.
    TooSlow,
    /// The temporary file could not be written.
    Disk(std::io::Error),
}

/// Reads `response`'s body within `limit` and `limits`' deadline, counted from `started`.
pub(crate) async fn receive(
    mut response: reqwest::Response,
    limit: BodyLimit,
    limits: &Limits,
    started: Instant,
) -> Result<Body, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit.max)
    {
        return Err(BodyError::TooLarge);
    }
    let mut memory = InMemory::new(response.content_length(), limit);
    let mut spilled: Option<(std::fs::File, Sha256)> = None;
    let mut received: u64 = 0;
    loop {
        let remaining = limits
            .deadline(started, received)
            .saturating_duration_since(Instant::now());
        let chunk = match tokio::time::timeout(remaining, response.chunk()).await {
            Err(_) => return Err(BodyError::TooSlow),
            Ok(Err(error)) => return Err(BodyError::Http(error)),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        received += chunk.len() as u64;
        if received > limit.max {
            return Err(BodyError::TooLarge);
        }
        match &mut spilled {
            Some((file, hasher)) => {
                hasher.update(&chunk);
                file.write_all(&chunk).map_err(BodyError::Disk)?;
            }
            None if limit.spill && memory.len() + chunk.len() > SPILL_BYTES => {
                let mut file = tempfile::tempfile().map_err(BodyError::Disk)?;
                let mut hasher = Sha256::new();
                for part in std::mem::take(&mut memory).parts().chain([&chunk[..]]) {
                    hasher.update(part);
                    file.write_all(part).map_err(BodyError::Disk)?;
                }
                spilled = Some((file, hasher));
            }
            None => memory.push(chunk),
        }
    }
    match spilled {
        None => Ok(Body::Memory(memory.join())),
        Some((mut file, hasher)) => {
            file.rewind().map_err(BodyError::Disk)?;
            Ok(Body::Spilled {
                file,
                len: received,
                sha256: hasher.finalize().into(),
            })
        }
    }
}

/// Bodies announcing more than this have only this much reserved up front; the rest grows as
/// it comes, so a length header alone cannot make a large allocation.
const PRESIZE_MAX: u64 = 32 * 1024 * 1024;

/// A body kept in memory as it arrives.
///
/// A page is held once while it is parsed, so how it is received decides a run's peak: the
/// largest pages are megabytes. Never grown by doubling (up to twice its size while it waits),
/// and never held twice (as chunks and joined).
#[derive(Debug)]
enum InMemory {
    /// The announced length, reserved up front and filled chunk by chunk.
    Sized(Vec<u8>),
    /// Of unknown length (a compressed body, which reqwest inflates): the chunks as they
    /// came, joined once at the end.
    Chunks {
        parts: Vec<bytes::Bytes>,
        len: usize,
    },
}

impl Default for InMemory {
    fn default() -> Self {
        Self::Chunks {
            parts: Vec::new(),
            len: 0,
        }
    }
}

impl InMemory {
    /// Ready for a body of `announced` length (`Content-Length` of what arrives, `None` when
    /// unknown) received within `limit`.
    fn new(announced: Option<u64>, limit: BodyLimit) -> Self {
        match announced {
            // A body that will spill is not worth reserving for.
            Some(length) if !limit.spill || length <= SPILL_BYTES as u64 => {
                let reserve = usize::try_from(length.min(PRESIZE_MAX)).unwrap_or(0);
                Self::Sized(Vec::with_capacity(reserve))
            }
            _ => Self::default(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Sized(bytes) => bytes.len(),
            Self::Chunks { len, .. } => *len,
        }
    }

    fn push(&mut self, chunk: bytes::Bytes) {
        match self {
            Self::Sized(bytes) => bytes.extend_from_slice(&chunk),
            Self::Chunks { parts, len } => {
                *len += chunk.len();
                parts.push(chunk);
            }
        }
    }

    /// What was received so far, in order.
    fn parts(&self) -> impl Iterator<Item = &[u8]> {
        let (sized, chunks) = match self {
            Self::Sized(bytes) => (Some(&bytes[..]), &[][..]),
            Self::Chunks { parts, .. } => (None, &parts[..]),
        };
        sized.into_iter().chain(chunks.iter().map(|part| &part[..]))
    }

    /// One buffer of the body; a single chunk is taken over without a copy where reqwest's
    /// buffer is not shared.
    fn join(self) -> Vec<u8> {
        match self {
            Self::Sized(bytes) => bytes,
            Self::Chunks { mut parts, len } => {
                if parts.len() == 1 {
                    return Vec::from(parts.pop().unwrap_or_default());
                }
                let mut joined = Vec::with_capacity(len);
                for part in &parts {
                    joined.extend_from_slice(part);
                }
                joined
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_grows_with_what_was_received() {
        let limits = Limits {
            deadline_base: Duration::from_secs(10),
            min_rate: 1000,
            ..Limits::default()
        };
        let start = Instant::now();
        assert_eq!(limits.deadline(start, 0), start + Duration::from_secs(10));
        assert_eq!(
            limits.deadline(start, 5000),
            start + Duration::from_secs(15)
        );
    }
}
