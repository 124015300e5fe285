//! Tar archives as containerd reads them (Go's `archive/tar`) and as image tools write
//! them (ustar headers). Only what image archives use: regular files, directories,
//! symbolic links, and the PAX and GNU long-name records that carry long paths.

/// One entry of an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// `b'0'` (or NUL) a regular file, `b'5'` a directory, `b'2'` a symbolic link.
    pub kind: u8,
    pub link: String,
    pub data: Vec<u8>,
}

impl Entry {
    pub fn file(name: &str, data: Vec<u8>) -> Entry {
        Entry { name: name.to_string(), kind: b'0', link: String::new(), data }
    }

    pub fn dir(name: &str) -> Entry {
        Entry { name: name.to_string(), kind: b'5', link: String::new(), data: Vec::new() }
    }

    pub fn is_file(&self) -> bool {
        self.kind == b'0' || self.kind == 0
    }
}

const BLOCK: usize = 512;
/// Go's `archive/tar` errors, as containerd passes them on.
pub const UNEXPECTED_EOF: &str = "unexpected EOF";
pub const INVALID_HEADER: &str = "archive/tar: invalid tar header";

/// Why an archive cannot be read: Go's error, and the entry whose data was cut off
/// when that is where it ended (a reader of that entry sees the error first).
#[derive(Debug, PartialEq)]
pub struct Broken {
    pub message: &'static str,
    pub in_entry: Option<Entry>,
}

impl From<&'static str> for Broken {
    fn from(message: &'static str) -> Broken {
        Broken { message, in_entry: None }
    }
}

/// The archive of `entries` (ustar, mode 0644 or 0755, owner 0, time 0): the same
/// bytes for the same entries.
pub fn write(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut h = [0u8; BLOCK];
        put(&mut h[0..100], e.name.as_bytes());
        put(&mut h[100..108], if e.kind == b'5' { b"0000755" } else { b"0000644" });
        put(&mut h[108..116], b"0000000");
        put(&mut h[116..124], b"0000000");
        put(&mut h[124..136], format!("{:011o}", if e.is_file() { e.data.len() } else { 0 }).as_bytes());
        put(&mut h[136..148], b"00000000000");
        h[156] = e.kind;
        put(&mut h[157..257], e.link.as_bytes());
        put(&mut h[257..263], b"ustar\0");
        put(&mut h[263..265], b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        put(&mut h[148..156], format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        if e.is_file() {
            out.extend_from_slice(&e.data);
            out.resize(out.len().next_multiple_of(BLOCK), 0);
        }
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    out
}

fn put(field: &mut [u8], value: &[u8]) {
    field[..value.len()].copy_from_slice(value);
}

/// Reads every entry; the error is Go's for the same bytes (`unexpected EOF` for a
/// cut-off archive, `archive/tar: invalid tar header` for a bad header). Empty input
/// is an archive with no entries, as for Go.
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, Broken> {
    let mut entries = Vec::new();
    let mut at = 0;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    loop {
        let Some(h) = block(bytes, at)? else { return Ok(entries) };
        at += BLOCK;
        if h.iter().all(|b| *b == 0) {
            // The end: a second zero block (or nothing) must follow.
            return match block(bytes, at)? {
                None => Ok(entries),
                Some(next) if next.iter().all(|b| *b == 0) => Ok(entries),
                Some(_) => Err(INVALID_HEADER.into()),
            };
        }
        if !checksum_ok(h) {
            return Err(INVALID_HEADER.into());
        }
        let size = octal(&h[124..136]).ok_or(INVALID_HEADER)? as usize;
        let kind = h[156];
        // Directories, links and devices carry no data whatever the size says.
        let has_data = !matches!(kind, b'1' | b'2' | b'3' | b'4' | b'5' | b'6');
        let len = if has_data { size } else { 0 };
        let end = at.checked_add(len).ok_or(INVALID_HEADER)?;
        if end > bytes.len() {
            let name = long_name.take().unwrap_or_else(|| cstr(&h[0..100]));
            let cut = Entry { name, kind, link: String::new(), data: Vec::new() };
            return Err(Broken { message: UNEXPECTED_EOF, in_entry: Some(cut) });
        }
        let data = bytes[at..end].to_vec();
        at = end.next_multiple_of(BLOCK);
        if at > bytes.len() {
            return Err(UNEXPECTED_EOF.into());
        }
        match kind {
            b'L' => long_name = Some(cstr(&data)),
            b'K' => long_link = Some(cstr(&data)),
            b'x' => {
                for (key, value) in pax_records(&data)? {
                    match key.as_str() {
                        "path" => long_name = Some(value),
                        "linkpath" => long_link = Some(value),
                        _ => {}
                    }
                }
            }
            b'g' => {}
            _ => {
                let mut name = cstr(&h[0..100]);
                if &h[257..262] == b"ustar" && h[345] != 0 {
                    name = format!("{}/{name}", cstr(&h[345..500]));
                }
                entries.push(Entry {
                    name: long_name.take().unwrap_or(name),
                    kind,
                    link: long_link.take().unwrap_or_else(|| cstr(&h[157..257])),
                    data,
                });
            }
        }
    }
}

/// The block at `at`: `None` at the very end, `unexpected EOF` for a partial one.
fn block(bytes: &[u8], at: usize) -> Result<Option<&[u8]>, Broken> {
    match bytes.len().saturating_sub(at) {
        0 => Ok(None),
        n if n < BLOCK => Err(UNEXPECTED_EOF.into()),
        _ => Ok(Some(&bytes[at..at + BLOCK])),
    }
}

/// Go accepts the unsigned or the signed sum of the header with the checksum field
/// read as spaces.
fn checksum_ok(h: &[u8]) -> bool {
    let Some(want) = octal(&h[148..156]) else { return false };
    let blanked = |i: usize, b: u8| if (148..156).contains(&i) { b' ' } else { b };
    let unsigned: i64 = h.iter().enumerate().map(|(i, b)| i64::from(blanked(i, *b))).sum();
    let signed: i64 = h.iter().enumerate().map(|(i, b)| i64::from(blanked(i, *b) as i8)).sum();
    want == unsigned || want == signed
}

/// An octal field (NUL or space terminated, leading spaces allowed); base-256 sizes
/// (a set high bit) are beyond what image archives need.
fn octal(field: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c| c == ' ' || c == '\0');
    if text.is_empty() {
        return Some(0);
    }
    i64::from_str_radix(text, 8).ok()
}

fn cstr(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// PAX records: `<length> <key>=<value>\n`.
fn pax_records(data: &[u8]) -> Result<Vec<(String, String)>, Broken> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest.iter().position(|b| *b == b' ').ok_or(INVALID_HEADER)?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok().and_then(|n| n.parse().ok()).ok_or(INVALID_HEADER)?;
        if len <= space || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(INVALID_HEADER.into());
        }
        let record = String::from_utf8_lossy(&rest[space + 1..len - 1]).into_owned();
        let Some((key, value)) = record.split_once('=') else { return Err(INVALID_HEADER.into()) };
        out.push((key.to_string(), value.to_string()));
        rest = &rest[len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_writes_it_reads_and_gnu_tar_lists() {
        let entries = vec![
            Entry::dir("blobs/"),
            Entry::file("blobs/a", b"hello\n".to_vec()),
            Entry::file("empty", Vec::new()),
            Entry { name: "link".into(), kind: b'2', link: "blobs/a".into(), data: Vec::new() },
        ];
        let bytes = write(&entries);
        assert_eq!(bytes.len() % BLOCK, 0);
        assert_eq!(read(&bytes).unwrap(), entries);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        std::fs::write(&path, &bytes).unwrap();
        let listed = std::process::Command::new("tar").arg("-tf").arg(&path).output().unwrap();
        assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
        assert_eq!(String::from_utf8_lossy(&listed.stdout), "blobs/\nblobs/a\nempty\nlink\n");
    }

    #[test]
    fn broken_archives_fail_as_go_reads_them() {
        assert_eq!(read(b"").unwrap(), vec![]);
        let message = |bytes: &[u8]| read(bytes).unwrap_err().message;
        assert_eq!(message(b"not a tar"), "unexpected EOF");
        assert_eq!(message(&[b'x'; 2048]), "archive/tar: invalid tar header");
        let good = write(&[Entry::file("a", vec![b'a'; 1000])]);
        let cut = read(&good[..700]).unwrap_err();
        assert_eq!((cut.message, cut.in_entry.unwrap().name.as_str()), ("unexpected EOF", "a"), "cut inside the data");
        assert_eq!(read(&good[..1520]).unwrap_err(), Broken::from(UNEXPECTED_EOF), "cut inside the padding");
        let mut bad_sum = good.clone();
        bad_sum[0] = b'b';
        assert_eq!(message(&bad_sum), "archive/tar: invalid tar header");
        // One zero block, then something that is not one.
        let mut junk_after = write(&[Entry::file("a", b"a".to_vec())]);
        junk_after.truncate(2 * BLOCK);
        junk_after.extend_from_slice(&[b'x'; BLOCK]);
        assert_eq!(message(&junk_after), "archive/tar: invalid tar header");
    }

    #[test]
    fn long_names_come_from_gnu_and_pax_records() {
        let dir = tempfile::tempdir().unwrap();
        let long = "d".repeat(120);
        std::fs::write(dir.path().join(&long), "x").unwrap();
        for format in ["gnu", "pax"] {
            let out = std::process::Command::new("tar")
                .args(["-C", dir.path().to_str().unwrap(), &format!("--format={format}"), "-cf", "-", &long])
                .output()
                .unwrap();
            assert!(out.status.success());
            let entries = read(&out.stdout).unwrap();
            assert_eq!(entries.len(), 1, "{format}");
            assert_eq!(entries[0].name, long, "{format}");
            assert_eq!(entries[0].data, b"x", "{format}");
        }
    }
}
