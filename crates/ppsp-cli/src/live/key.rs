//! The source's signing key on disk, so that a restarted source keeps its swarm ID, and
//! the wall-clock time its signatures carry.
//!
//! The file is one line, `ppsp-live-key ALGORITHM HEX`: the DNSSEC algorithm number (13 for
//! ECDSA P-256) and the secret bytes in hex. It is created with mode 0600.

use std::io::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, bail};
use ppsp_core::LiveSigningKey;
use ppsp_core::live::{LiveSignatureAlgorithm, NtpTimestamp};
use ppsp_wire::ids::{from_hex, to_hex};

const MAGIC: &str = "ppsp-live-key";

/// Attempts at drawing a valid secret: a random 32-byte string is a valid P-256 scalar
/// except with probability about 2^-32 per attempt.
const DRAWS: usize = 8;

/// The key in `path` if the file exists, else a new one (saved to `path` if given).
pub(super) fn load_or_create(path: Option<&Path>) -> Result<LiveSigningKey> {
    match path {
        Some(path) if path.exists() => load(path),
        Some(path) => {
            let key = generate()?;
            save(path, &key)?;
            eprintln!("ppsp live: new signing key saved to {}", path.display());
            Ok(key)
        }
        None => generate(),
    }
}

/// A new ECDSA P-256 key (the RFC 7574 default signature algorithm).
pub(crate) fn generate() -> Result<LiveSigningKey> {
    for _ in 0..DRAWS {
        let secret: [u8; 32] = rand::random();
        if let Ok(key) =
            LiveSigningKey::from_secret_bytes(LiveSignatureAlgorithm::EcdsaP256Sha256, &secret)
        {
            return Ok(key);
        }
    }
    bail!("could not draw a signing key from the OS random source")
}

fn load(path: &Path) -> Result<LiveSigningKey> {
    let bad = || format!("{}: not a ppsp live key file", path.display());
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    let mut words = text.split_whitespace();
    if words.next() != Some(MAGIC) {
        bail!(bad());
    }
    let algorithm = words
        .next()
        .and_then(|code| code.parse::<u8>().ok())
        .and_then(LiveSignatureAlgorithm::from_code)
        .with_context(bad)?;
    let secret = words
        .next()
        .and_then(|hex| from_hex(hex).ok())
        .with_context(bad)?;
    LiveSigningKey::from_secret_bytes(algorithm, &secret).with_context(bad)
}

fn save(path: &Path, key: &LiveSigningKey) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the key file {}", path.display()))?;
    writeln!(
        file,
        "{MAGIC} {} {}",
        key.algorithm().code(),
        to_hex(&key.secret_bytes())
    )
    .and_then(|()| file.sync_all())
    .with_context(|| format!("cannot write the key file {}", path.display()))
}

/// Now as an NTP timestamp (RFC 5905: seconds since 1900 and a binary fraction), which
/// signatures carry.
pub(crate) fn ntp_now() -> NtpTimestamp {
    /// Seconds from 1900-01-01 to the Unix epoch.
    const NTP_UNIX_OFFSET: u64 = 2_208_988_800;
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_unix.as_secs().saturating_add(NTP_UNIX_OFFSET);
    let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
    NtpTimestamp::from_bits((seconds << 32) | fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_key_loads_as_the_same_swarm_identity() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("live.key");
        let first = load_or_create(Some(&path)).expect("a new key");
        let again = load_or_create(Some(&path)).expect("the saved key");
        assert_eq!(first.public_key(), again.public_key());
        std::fs::write(&path, "something else").expect("write");
        let Err(error) = load_or_create(Some(&path)) else {
            panic!("a file that is not a key was loaded as one");
        };
        assert!(error.to_string().contains("not a ppsp live key file"));
    }
}
