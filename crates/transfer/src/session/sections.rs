//! The container both checkpoint formats use: eight magic bytes, sections each preceded by
//! its length (`u64`, little-endian), then the SHA-256 of everything before it.

use sha2::{Digest, Sha256};

use crate::Error;

/// What a container is: the bytes every version starts with, this version's magic, and what
/// to call a file of another kind (`an nst checkpoint`).
pub(crate) struct Format {
    pub family: &'static [u8],
    pub magic: &'static [u8; 8],
    pub kind: &'static str,
}

impl Format {
    /// `sections` in this format.
    pub fn write(&self, sections: &[&[u8]]) -> Vec<u8> {
        let length: usize = sections.iter().map(|s| 8 + s.len()).sum();
        let mut bytes = Vec::with_capacity(self.magic.len() + length + 32);
        bytes.extend_from_slice(self.magic);
        for section in sections {
            bytes.extend_from_slice(&(section.len() as u64).to_le_bytes());
            bytes.extend_from_slice(section);
        }
        let hash = Sha256::digest(&bytes);
        bytes.extend_from_slice(&hash);
        bytes
    }

    /// The `N` sections of `bytes`; a file of another kind or version, a truncated one and a
    /// corrupted one (checksum) are refused.
    pub fn read<'a, const N: usize>(&self, bytes: &'a [u8]) -> Result<[&'a [u8]; N], Error> {
        if !bytes.starts_with(self.family) {
            return Err(Error::checkpoint(format!("is not {}", self.kind)));
        }
        if !bytes.starts_with(self.magic) {
            return Err(Error::checkpoint(
                "was written in another format, by another version of nst",
            ));
        }
        let mut reader = Reader {
            bytes,
            at: self.magic.len(),
        };
        let mut sections = [&bytes[..0]; N];
        for section in &mut sections {
            *section = reader.section()?;
        }
        let hash_at = reader.at;
        let hash = reader.take(32)?;
        if reader.at != bytes.len() {
            return Err(Error::checkpoint("is corrupt: bytes after its end"));
        }
        if Sha256::digest(&bytes[..hash_at]).as_slice() != hash {
            return Err(Error::checkpoint("is corrupt: its checksum does not match"));
        }
        Ok(sections)
    }
}

/// Reads length-prefixed sections.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| Error::checkpoint("is truncated"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn section(&mut self) -> Result<&'a [u8], Error> {
        let length = self.take(8)?;
        let length = u64::from_le_bytes(length.try_into().unwrap_or([0xff; 8]));
        let length = usize::try_from(length).map_err(|_| Error::checkpoint("is truncated"))?;
        self.take(length)
    }
}
