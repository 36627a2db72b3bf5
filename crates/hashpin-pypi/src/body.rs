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

use crate::hash::Sha256;

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
    /// Encoded in a way hashpin does not undo, or damaged in its encoding.
    Encoding(String),
}

/// The one `Content-Encoding` hashpin asks for (reqwest is built without its own decoders:
/// flate2, already here for archives, does the work).
pub(crate) const ACCEPTED_ENCODING: &str = "gzip";

/// Reads `response`'s body within `limit` and `limits`' deadline, counted from `started`.
pub(crate) async fn receive(
    mut response: reqwest::Response,
    limit: BodyLimit,
    limits: &Limits,
    started: Instant,
) -> Result<Body, BodyError> {
    let mut inflate = Inflate::for_encoding(response.headers())?;
    // What crossed the wire says nothing of what an encoded body inflates to.
    let announced = response.content_length().filter(|_| inflate.is_none());
    if announced.is_some_and(|length| length > limit.max) {
        return Err(BodyError::TooLarge);
    }
    let mut sink = Sink::new(announced, limit);
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
        match &mut inflate {
            Some(inflate) => inflate.feed(&chunk, |piece| sink.accept(piece))?,
            None => sink.accept(chunk)?,
        }
    }
    if let Some(inflate) = inflate {
        sink.accept(inflate.finish()?)?;
    }
    sink.finish()
}

/// Where a body goes as it arrives, within its limit: memory, then (where allowed) a
/// temporary file, hashed on the way.
struct Sink {
    limit: BodyLimit,
    len: u64,
    memory: InMemory,
    spilled: Option<(std::fs::File, Sha256)>,
}

impl Sink {
    fn new(announced: Option<u64>, limit: BodyLimit) -> Self {
        Self {
            limit,
            len: 0,
            memory: InMemory::new(announced, limit),
            spilled: None,
        }
    }

    fn accept(&mut self, chunk: bytes::Bytes) -> Result<(), BodyError> {
        self.len += chunk.len() as u64;
        if self.len > self.limit.max {
            return Err(BodyError::TooLarge);
        }
        match &mut self.spilled {
            Some((file, hasher)) => {
                hasher.update(&chunk);
                file.write_all(&chunk).map_err(BodyError::Disk)?;
            }
            None if self.limit.spill && self.memory.len() + chunk.len() > SPILL_BYTES => {
                let mut file = tempfile::tempfile().map_err(BodyError::Disk)?;
                let mut hasher = Sha256::new();
                for part in std::mem::take(&mut self.memory).parts().chain([&chunk[..]]) {
                    hasher.update(part);
                    file.write_all(part).map_err(BodyError::Disk)?;
                }
                self.spilled = Some((file, hasher));
            }
            None => self.memory.push(chunk),
        }
        Ok(())
    }

    fn finish(self) -> Result<Body, BodyError> {
        match self.spilled {
            None => Ok(Body::Memory(self.memory.join())),
            Some((mut file, hasher)) => {
                file.rewind().map_err(BodyError::Disk)?;
                Ok(Body::Spilled {
                    file,
                    len: self.len,
                    sha256: hasher.finalize(),
                })
            }
        }
    }
}

/// Compressed input is inflated this much at a time, so that no step yields more than about
/// a thousand times as much (deflate's largest ratio) before the limit is checked again.
const INFLATE_STEP: usize = 8 * 1024;

/// Undoes a gzip `Content-Encoding` as the body arrives.
struct Inflate(flate2::write::GzDecoder<Vec<u8>>);

impl Inflate {
    /// The decoder `headers` call for: `None` for an unencoded body, an error for an
    /// encoding hashpin did not ask for.
    fn for_encoding(headers: &reqwest::header::HeaderMap) -> Result<Option<Self>, BodyError> {
        let mut inflate = None;
        for value in headers.get_all(reqwest::header::CONTENT_ENCODING) {
            let value = String::from_utf8_lossy(value.as_bytes());
            for coding in value.split(',').map(str::trim) {
                if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                    if inflate.is_some() {
                        return Err(BodyError::Encoding("gzip applied twice".into()));
                    }
                    inflate = Some(Self(flate2::write::GzDecoder::new(Vec::new())));
                } else if !coding.is_empty() && !coding.eq_ignore_ascii_case("identity") {
                    return Err(BodyError::Encoding(format!(
                        "an unrequested Content-Encoding `{}`",
                        crate::untrusted::excerpt(coding, 40)
                    )));
                }
            }
        }
        Ok(inflate)
    }

    /// Inflates `compressed`, handing each piece of output to `accept`.
    fn feed(
        &mut self,
        compressed: &[u8],
        mut accept: impl FnMut(bytes::Bytes) -> Result<(), BodyError>,
    ) -> Result<(), BodyError> {
        for step in compressed.chunks(INFLATE_STEP) {
            self.0.write_all(step).map_err(|error| damaged(&error))?;
            let out = std::mem::take(self.0.get_mut());
            if !out.is_empty() {
                accept(out.into())?;
            }
        }
        Ok(())
    }

    /// The last of the output, once the stream is known to be whole.
    fn finish(self) -> Result<bytes::Bytes, BodyError> {
        self.0
            .finish()
            .map(Into::into)
            .map_err(|error| damaged(&error))
    }
}

fn damaged(error: &std::io::Error) -> BodyError {
    BodyError::Encoding(format!("a damaged gzip encoding ({error})"))
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
    /// Of unknown length (a compressed body, inflated as it comes): the pieces as they
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
