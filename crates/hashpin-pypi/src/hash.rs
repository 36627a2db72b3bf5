//! File digests as indexes publish them and as pip's hash-checking mode reads them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// SHA-256 computed incrementally, by the TLS library's implementation: one hashing crate in
/// the tree, and its assembly is the fastest one available to it.
#[derive(Clone)]
pub struct Sha256(ring::digest::Context);

impl Sha256 {
    /// An empty hasher.
    pub fn new() -> Self {
        Self(ring::digest::Context::new(&ring::digest::SHA256))
    }

    /// The digest of `bytes`, in one call.
    pub fn digest(bytes: &[u8]) -> [u8; 32] {
        let mut hasher = Self::new();
        hasher.update(bytes);
        hasher.finalize()
    }

    /// Adds `bytes` to what is hashed.
    pub fn update(&mut self, bytes: impl AsRef<[u8]>) {
        self.0.update(bytes.as_ref());
    }

    /// The digest of everything added.
    pub fn finalize(self) -> [u8; 32] {
        let digest = self.0.finish();
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest.as_ref());
        bytes
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sha256")
    }
}

/// Hashing what is copied into it, as `std::io::copy` writes.
impl std::io::Write for Sha256 {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A hash algorithm named by an index or a lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    /// The one pip asks for in `--require-hashes` mode and the one hashpin locks.
    Sha256,
    /// Accepted by pip's hash-checking mode.
    Sha384,
    /// Accepted by pip's hash-checking mode.
    Sha512,
    /// Published by old indexes; pip's hash-checking mode rejects it.
    Md5,
    /// Rejected by pip's hash-checking mode.
    Sha1,
    /// Seen on some indexes; accepted by pip only through `hashlib`'s generic names.
    Blake2b,
}

impl HashAlgorithm {
    /// The name used in `--hash=NAME:…` and in PEP 691 `hashes` keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Blake2b => "blake2b",
        }
    }

    /// Whether pip's hash-checking mode accepts digests of this algorithm.
    pub fn is_accepted_by_pip(self) -> bool {
        matches!(self, Self::Sha256 | Self::Sha384 | Self::Sha512)
    }

    /// Every algorithm, in the order of their stable codes in the packed page form.
    pub(crate) const ALL: [Self; 6] = [
        Self::Sha256,
        Self::Sha384,
        Self::Sha512,
        Self::Md5,
        Self::Sha1,
        Self::Blake2b,
    ];

    /// The length of a digest in bytes.
    pub(crate) fn byte_len(self) -> usize {
        self.hex_len() / 2
    }

    fn hex_len(self) -> usize {
        match self {
            Self::Md5 => 32,
            Self::Sha1 => 40,
            Self::Sha256 => 64,
            Self::Sha384 => 96,
            Self::Sha512 | Self::Blake2b => 128,
        }
    }
}

impl FromStr for HashAlgorithm {
    type Err = HashParseError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        // Compared in place: every digest of every page names its algorithm.
        Self::ALL
            .into_iter()
            .find(|algorithm| algorithm.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| HashParseError::UnknownAlgorithm(name.to_string()))
    }
}

/// Why a `name:hex` digest did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    /// The text had no `:` or `=` between algorithm and digest.
    #[error("expected `ALGORITHM:HEX`, found `{0}`")]
    MissingSeparator(String),
    /// An algorithm hashpin does not know.
    #[error("unknown hash algorithm `{0}`")]
    UnknownAlgorithm(String),
    /// The digest is not hex of the algorithm's length.
    #[error("`{digest}` is not a {algorithm} digest ({expected} hex digits)")]
    BadDigest {
        /// The algorithm named.
        algorithm: &'static str,
        /// The digest as given.
        digest: String,
        /// How many hex digits the algorithm produces.
        expected: usize,
    },
}

/// One digest of one file: an algorithm and its lowercase hex value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HashDigest {
    algorithm: HashAlgorithm,
    digest: String,
}

impl HashDigest {
    /// Builds a digest, checking that `hex` has the algorithm's length and is hex.
    pub fn new(algorithm: HashAlgorithm, hex: &str) -> Result<Self, HashParseError> {
        // Checked before anything is allocated: pages hold a few hundred thousand digests.
        let trimmed = hex.trim();
        if trimmed.len() != algorithm.hex_len() || !trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HashParseError::BadDigest {
                algorithm: algorithm.as_str(),
                digest: hex.to_string(),
                expected: algorithm.hex_len(),
            });
        }
        Ok(Self {
            algorithm,
            digest: trimmed.to_ascii_lowercase(),
        })
    }

    /// A digest from its raw bytes; `None` when the length is not the algorithm's.
    pub(crate) fn from_bytes(algorithm: HashAlgorithm, bytes: &[u8]) -> Option<Self> {
        (bytes.len() * 2 == algorithm.hex_len()).then(|| Self {
            algorithm,
            digest: hex(bytes),
        })
    }

    /// The digest in lowercase hex, without the algorithm.
    pub fn hex(&self) -> &str {
        &self.digest
    }

    /// The raw bytes of the digest (half the size of its hex).
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        // `new` and `from_bytes` only ever store lowercase hex of even length.
        self.digest
            .as_bytes()
            .chunks_exact(2)
            .map(|pair| (hex_value(pair[0]) << 4) | hex_value(pair[1]))
            .collect()
    }

    /// The SHA-256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> Self {
        Self {
            algorithm: HashAlgorithm::Sha256,
            digest: hex(&Sha256::digest(bytes)),
        }
    }

    /// The SHA-256 digest whose raw bytes are `bytes`.
    pub(crate) fn sha256_from_bytes(bytes: &[u8; 32]) -> Self {
        Self {
            algorithm: HashAlgorithm::Sha256,
            digest: hex(bytes),
        }
    }

    /// The SHA-256 digest of everything `reader` yields, read in pieces.
    pub(crate) fn sha256_of_reader(mut reader: impl std::io::Read) -> std::io::Result<Self> {
        let mut hasher = Sha256::new();
        std::io::copy(&mut reader, &mut hasher)?;
        Ok(Self::sha256_from_bytes(&hasher.finalize()))
    }

    /// The algorithm.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The lowercase hex digest.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Whether `bytes` hash to this digest. Algorithms hashpin cannot compute (all but
    /// SHA-256) answer `None`.
    pub fn verify(&self, bytes: &[u8]) -> Option<bool> {
        match self.algorithm {
            HashAlgorithm::Sha256 => Some(hex(&Sha256::digest(bytes)) == self.digest),
            _ => None,
        }
    }
}

/// A digest as raw bytes: how fetched pages hold the digests of their files until they are
/// packed. A page lists a few hundred thousand digests and the packed form stores bytes, so
/// decoding the hex once, into place, spares a string per digest and a second decoding.
///
/// Orders as [`HashDigest`] does: by algorithm, then by digest (for one algorithm, the order
/// of the bytes is the order of their lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RawDigest {
    algorithm: HashAlgorithm,
    len: u8,
    bytes: [u8; 64],
}

impl RawDigest {
    /// Decodes `hex` as [`HashDigest::new`] checks it: the algorithm's length, hex digits of
    /// either case, surrounding whitespace ignored.
    pub(crate) fn from_hex(algorithm: HashAlgorithm, hex: &str) -> Result<Self, HashParseError> {
        let bad = || HashParseError::BadDigest {
            algorithm: algorithm.as_str(),
            digest: hex.to_string(),
            expected: algorithm.hex_len(),
        };
        let trimmed = hex.trim().as_bytes();
        if trimmed.len() != algorithm.hex_len() {
            return Err(bad());
        }
        let mut bytes = [0; 64];
        // Invalid digits are collected and checked once, after the loop, which keeps it free
        // of branches: this runs for every digest of every fetched page.
        let mut invalid = 0;
        for (byte, pair) in bytes.iter_mut().zip(trimmed.chunks_exact(2)) {
            let (high, low) = (NIBBLES[usize::from(pair[0])], NIBBLES[usize::from(pair[1])]);
            invalid |= high | low;
            *byte = high << 4 | (low & 0x0f);
        }
        if invalid & 0xf0 != 0 {
            return Err(bad());
        }
        Ok(Self {
            algorithm,
            len: u8::try_from(algorithm.byte_len()).map_err(|_| bad())?,
            bytes,
        })
    }

    /// The raw form of `digest`.
    pub(crate) fn of(digest: &HashDigest) -> Self {
        let decoded = digest.to_bytes();
        let mut bytes = [0; 64];
        let len = decoded.len().min(bytes.len());
        bytes[..len].copy_from_slice(&decoded[..len]);
        Self {
            algorithm: digest.algorithm,
            // At most 64: every algorithm's digest fits.
            len: u8::try_from(len).unwrap_or(u8::MAX),
            bytes,
        }
    }

    /// The algorithm.
    pub(crate) fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The digest's bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Parses `sha256:HEX` (requirements files) and `sha256=HEX` (URL fragments, PEP 658 attributes).
impl FromStr for HashDigest {
    type Err = HashParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, hex) = text
            .split_once([':', '='])
            .ok_or_else(|| HashParseError::MissingSeparator(text.to_string()))?;
        Self::new(name.parse()?, hex)
    }
}

impl fmt::Display for HashDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.digest)
    }
}

impl Serialize for HashDigest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HashDigest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

/// The value of each byte as a hex digit of either case; `0xff` for a byte that is not one.
const NIBBLES: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut digit: u8 = 0;
    while digit < 16 {
        table[b"0123456789abcdef"[digit as usize] as usize] = digit;
        table[b"0123456789ABCDEF"[digit as usize] as usize] = digit;
        digit += 1;
    }
    table
};

/// The value of one lowercase hex digit (0 for anything else, which callers rule out).
fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_digests_decode_and_order_as_hex_digests() {
        let upper = format!(" {} ", EMPTY.to_ascii_uppercase());
        let raw = RawDigest::from_hex(HashAlgorithm::Sha256, &upper).expect("valid hex");
        let digest = HashDigest::new(HashAlgorithm::Sha256, EMPTY).expect("valid hex");
        assert_eq!(raw, RawDigest::of(&digest));
        assert_eq!(raw.as_bytes(), digest.to_bytes());
        assert_eq!(raw.algorithm(), HashAlgorithm::Sha256);
        for bad in [&EMPTY[1..], &EMPTY.replace('e', "g")] {
            assert_eq!(
                RawDigest::from_hex(HashAlgorithm::Sha256, bad).err(),
                HashDigest::new(HashAlgorithm::Sha256, bad).err(),
            );
        }
        let digests = [
            HashDigest::new(HashAlgorithm::Sha256, &"f0".repeat(32)),
            HashDigest::new(HashAlgorithm::Sha256, &"0f".repeat(32)),
            HashDigest::new(HashAlgorithm::Md5, &"00".repeat(16)),
            HashDigest::new(HashAlgorithm::Sha512, &"ff".repeat(64)),
        ]
        .map(|digest| digest.expect("valid hex"));
        let mut by_hex = digests.to_vec();
        by_hex.sort();
        let mut by_bytes: Vec<RawDigest> = digests.iter().map(RawDigest::of).collect();
        by_bytes.sort();
        assert_eq!(
            by_bytes,
            by_hex.iter().map(RawDigest::of).collect::<Vec<_>>()
        );
    }

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_both_separators_and_prints_colon() {
        let colon: HashDigest = format!("sha256:{EMPTY}").parse().expect("parses");
        let equals: HashDigest = format!("SHA256={}", EMPTY.to_uppercase())
            .parse()
            .expect("parses");
        assert_eq!(colon, equals);
        assert_eq!(colon.to_string(), format!("sha256:{EMPTY}"));
    }

    #[test]
    fn rejects_short_and_non_hex_digests() {
        assert!("sha256:abc".parse::<HashDigest>().is_err());
        assert!(
            format!("sha256:{}", "z".repeat(64))
                .parse::<HashDigest>()
                .is_err()
        );
        assert!("crc32:00".parse::<HashDigest>().is_err());
        assert!("sha256".parse::<HashDigest>().is_err());
    }

    #[test]
    fn verifies_sha256() {
        let digest = HashDigest::sha256_of(b"");
        assert_eq!(digest.digest(), EMPTY);
        assert_eq!(digest.verify(b""), Some(true));
        assert_eq!(digest.verify(b"x"), Some(false));
    }

    #[test]
    fn round_trips_raw_bytes() {
        let digest: HashDigest = format!("sha256:{}", EMPTY.to_uppercase())
            .parse()
            .expect("parses");
        let bytes = digest.to_bytes();
        assert_eq!(bytes.len(), 32);
        assert_eq!(
            HashDigest::from_bytes(HashAlgorithm::Sha256, &bytes),
            Some(digest)
        );
        assert_eq!(HashDigest::from_bytes(HashAlgorithm::Sha512, &bytes), None);
    }

    #[test]
    fn pip_rejects_weak_algorithms() {
        assert!(!HashAlgorithm::Md5.is_accepted_by_pip());
        assert!(!HashAlgorithm::Sha1.is_accepted_by_pip());
        assert!(HashAlgorithm::Sha256.is_accepted_by_pip());
    }
}
