//! Text out of attached files, so attachments are searchable: plain text, DOCX (a zip
//! holding `word/document.xml`) and PDF (through the `pdf-extract` crate). A file is
//! recognised by its content, never by its name alone, and anything else is refused
//! with a sentence saying what was expected.
//!
//! Attachments come from people we do not know (the public call-for-evidence form), and
//! a small PDF or DOCX can expand to gigabytes ("a flate bomb") or make its reader spin.
//! An allocation failure cannot be caught inside a process, so the text of a PDF or DOCX
//! is read in a child process (see [`isolated_text`]) with a cap on its memory and CPU
//! time and a wall-clock timeout; a file that does not fit is refused with a plain
//! sentence, and only the child dies. The child is this same program: a constructor
//! that runs before `main` in every binary linking this crate (the CLI, the web server,
//! the test binaries) notices [`WORKER_ENV`] and does the extraction instead of
//! starting the program, so an in-process test server isolates exactly like the real one.

use anyhow::{Context, Result, bail};
use observatory_store::blocking::{CPU, Pool};
use observatory_store::evidence::NewAttachment;
use quick_xml::events::Event;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Largest file kept with an item or a submission.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Largest uncompressed `word/document.xml` read from a DOCX (a zip bomb guard).
const MAX_DOCX_XML: u64 = 64 * 1024 * 1024;
/// Most entries (files) a DOCX may hold; real ones hold a few dozen.
pub const MAX_DOCX_ENTRIES: usize = 10_000;
/// Largest total uncompressed size a DOCX may declare for all its entries.
pub const MAX_DOCX_TOTAL: u64 = 256 * 1024 * 1024;

/// The environment variable that turns any binary linking this crate into an
/// extraction worker: `pdf` or `docx`, then the limits (see [`Limits::to_env`]).
pub const WORKER_ENV: &str = "OBSERVATORY_EXTRACT_WORKER";

/// What reading the text of one untrusted file may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Memory the worker may take beyond the program itself (its address space,
    /// `RLIMIT_AS`, is set to what it had at start plus this).
    pub memory_mb: u64,
    /// CPU time of the worker (`RLIMIT_CPU`; the kernel stops it after this).
    pub cpu_seconds: u64,
    /// Wall-clock time before the parent kills the worker (a file that makes its
    /// reader wait rather than compute, or a machine that is very busy).
    pub wall_seconds: u64,
    /// Most text kept from one file (the rest is dropped; search needs no more).
    pub text_bytes: usize,
    /// Most workers running at once in this process (each may take `memory_mb`).
    pub workers: usize,
}

/// The limits every attachment is read within: 512 MB of memory, 20 s of CPU, 30 s of
/// wall-clock time, 4 MB of text kept, two workers at a time (so at most about 1 GB
/// of memory for extraction however many files arrive at once).
pub const LIMITS: Limits = Limits {
    memory_mb: 512,
    cpu_seconds: 20,
    wall_seconds: 30,
    text_bytes: 4 * 1024 * 1024,
    workers: 2,
};

impl Limits {
    fn to_env(self, kind: &str) -> String {
        format!(
            "{kind} {} {} {}",
            self.memory_mb, self.cpu_seconds, self.text_bytes
        )
    }

    /// How the limits are named in messages: "512 MB of memory, 20 seconds".
    pub fn describe(&self) -> String {
        format!(
            "{} MB of memory, {} seconds",
            self.memory_mb, self.cpu_seconds
        )
    }
}

/// What kind of file some bytes are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Pdf,
    Docx,
    Text,
}

impl Kind {
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Text => "text/plain",
        }
    }
}

/// Recognise a file by its first bytes (and, for plain text, by being valid UTF-8
/// without control characters other than tabs and line ends).
pub fn sniff(name: &str, bytes: &[u8]) -> Result<Kind> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Kind::Docx);
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    match text {
        Ok(t)
            if !t
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Ok(Kind::Text)
        }
        _ => bail!(
            "{name} is not a PDF, a Word document (.docx) or a plain-text file (UTF-8); save it as one of those and try again"
        ),
    }
}

/// Turns to read a PDF or DOCX: one per worker process [`LIMITS`] allows at once.
/// Separate from the [`CPU`] pool so that files posted by anyone on the public
/// call-for-evidence form (each may take [`Limits::wall_seconds`]) can use up only these
/// turns, never those of signed-in people's cube builds and uploads.
static READERS: Pool = Pool::new(LIMITS.workers);

/// Read a file into an attachment with its extracted text and SHA-256, off the async
/// runtime's threads (the extraction itself runs in a worker process). A PDF or DOCX
/// first waits for one of the [`READERS`] turns without holding a thread (a burst of
/// uploads is a queue of sleeping tasks, not of blocked threads), and is refused as
/// "busy" if none comes within twice the wall-clock limit; plain text only needs a
/// turn of the [`CPU`] pool.
pub async fn attachment(name: &str, bytes: Vec<u8>) -> Result<NewAttachment> {
    let name = name.to_string();
    let turn = if needs_worker(&bytes) {
        let wait = Duration::from_secs(LIMITS.wall_seconds * 2);
        match tokio::time::timeout(wait, READERS.turn()).await {
            Ok(turn) => turn,
            Err(_) => return Err(WorkerError::Busy.for_file(&base_name(&name), "", &LIMITS)),
        }
    } else {
        CPU.turn().await
    };
    turn.run(move || attachment_blocking(&name, bytes, &LIMITS))
        .await
        .context("reading an attached file stopped unexpectedly")?
}

/// Whether reading these bytes takes a worker process (a PDF or a DOCX, see [`sniff`]).
fn needs_worker(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-") || bytes.starts_with(b"PK\x03\x04")
}

/// The file name of an uploaded file's name as sent (browsers may send a path).
fn base_name(name: &str) -> String {
    std::path::Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| name.to_string())
}

/// [`attachment`] for code that is not async, or that sets its own limits. It blocks
/// while the worker runs (up to `limits.wall_seconds`), so never call it on an async
/// runtime thread.
pub fn attachment_blocking(name: &str, bytes: Vec<u8>, limits: &Limits) -> Result<NewAttachment> {
    if bytes.len() > MAX_FILE_BYTES {
        bail!(
            "{name} is {:.1} MB; files of at most {} MB are accepted",
            bytes.len() as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        );
    }
    if bytes.is_empty() {
        bail!("{name} is empty");
    }
    let file_name = base_name(name);
    let kind = sniff(&file_name, &bytes)?;
    let text = match kind {
        Kind::Text => {
            let mut t =
                String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
                    .replace("\r\n", "\n");
            truncate(&mut t, limits.text_bytes);
            t
        }
        Kind::Docx => isolated_text(Kind::Docx, &bytes, limits)
            .map_err(|e| e.for_file(&file_name, "cannot read {name} as a Word document", limits))?,
        Kind::Pdf => isolated_text(Kind::Pdf, &bytes, limits)
            .map_err(|e| e.for_file(&file_name, "cannot read the text of {name}", limits))?,
    };
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(NewAttachment {
        file_name,
        media_type: kind.media_type().into(),
        content: bytes,
        sha256,
        text,
    })
}

/// Why a worker gave no text.
#[derive(Debug)]
pub enum WorkerError {
    /// The file is damaged, encrypted or not what it claims (the reader said why).
    Unreadable(String),
    /// The worker went over its memory or time limit and was stopped.
    OverLimits,
    /// Too many files are being read at once; the wait for a turn ran out.
    Busy,
    /// The worker could not be started or talked to (not the file's fault).
    Failed(String),
}

impl WorkerError {
    /// The error a person sees for a file, `what` naming the step ("cannot read
    /// {name} as a Word document").
    fn for_file(self, name: &str, what: &str, limits: &Limits) -> anyhow::Error {
        match self {
            WorkerError::Unreadable(why) => {
                anyhow::anyhow!("{}: {why}", what.replace("{name}", name))
            }
            WorkerError::OverLimits => anyhow::anyhow!(
                "the text of {name} could not be read within the limits ({}), so the file was not taken; if it is a genuine document, save it again as a smaller PDF or a Word document, or send a link to it instead",
                limits.describe()
            ),
            WorkerError::Busy => anyhow::anyhow!(
                "the service is reading many other files just now and could not read {name}; try again in a few minutes"
            ),
            WorkerError::Failed(why) => {
                anyhow::anyhow!("the text of {name} could not be read ({why})")
            }
        }
    }
}

impl std::fmt::Display for WorkerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkerError::Unreadable(why) => write!(f, "{why}"),
            WorkerError::OverLimits => write!(f, "over the limits"),
            WorkerError::Busy => write!(f, "too many files are being read"),
            WorkerError::Failed(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for WorkerError {}

/// Cut a string to at most `max` bytes, at a character boundary.
fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// Workers running now in this process, and the wait for a turn: the bound for callers
/// of [`attachment_blocking`] on threads of their own, and for limits with fewer
/// workers than [`LIMITS`]. Through [`attachment`] a file already holds one of the
/// [`READERS`] turns, so it does not wait here.
static RUNNING: Mutex<usize> = Mutex::new(0);
static TURN: Condvar = Condvar::new();

/// A turn to run a worker; given back on drop.
struct Slot;

impl Slot {
    fn take(limits: &Limits) -> Result<Slot, WorkerError> {
        let wait = Duration::from_secs(limits.wall_seconds * 2);
        let guard = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        let (mut n, timeout) = TURN
            .wait_timeout_while(guard, wait, |n| *n >= limits.workers.max(1))
            .unwrap_or_else(|e| e.into_inner());
        if timeout.timed_out() && *n >= limits.workers.max(1) {
            return Err(WorkerError::Busy);
        }
        *n += 1;
        Ok(Slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        TURN.notify_one();
    }
}

/// The text of a PDF or DOCX, read by a worker process under `limits`: this program
/// run again with [`WORKER_ENV`] set, the file on its standard input and the text on
/// its standard output. Blocks until the worker ends or is killed.
pub fn isolated_text(kind: Kind, bytes: &[u8], limits: &Limits) -> Result<String, WorkerError> {
    let kind = match kind {
        Kind::Pdf => "pdf",
        Kind::Docx => "docx",
        Kind::Text => return Ok(String::from_utf8_lossy(bytes).into_owned()),
    };
    run_worker(kind, bytes, limits)
}

fn run_worker(kind: &str, bytes: &[u8], limits: &Limits) -> Result<String, WorkerError> {
    // Keep the constructor (and so the worker) in every binary that can start one.
    std::hint::black_box(&worker::ENTRY);
    let _slot = Slot::take(limits)?;
    // /proc/self/exe is this very program even if its file was replaced since it
    // started (an upgrade while the server runs).
    let exe = if std::path::Path::new("/proc/self/exe").exists() {
        std::path::PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().map_err(|e| WorkerError::Failed(e.to_string()))?
    };
    let mut child = Command::new(exe)
        .env_clear()
        .env(WORKER_ENV, limits.to_env(kind))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| WorkerError::Failed(format!("the reader could not be started: {e}")))?;
    let started = Instant::now();
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let input = bytes.to_vec();
    // The worker may die before reading everything (a broken pipe is then expected).
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let text_max = limits.text_bytes as u64 + 16;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(text_max).read_to_end(&mut out);
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        out
    });
    let errors = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut out);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        out
    });
    let deadline = Duration::from_secs(limits.wall_seconds);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(WorkerError::Failed(e.to_string()));
            }
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = errors.join().unwrap_or_default();
    let Some(status) = status else {
        return Err(WorkerError::OverLimits);
    };
    match status.code() {
        Some(0) => {
            let mut text = String::from_utf8_lossy(&out).into_owned();
            truncate(&mut text, limits.text_bytes);
            Ok(text)
        }
        Some(worker::UNREADABLE) => Err(WorkerError::Unreadable(
            String::from_utf8_lossy(&err).trim().to_string(),
        )),
        Some(worker::BAD_REQUEST) => Err(WorkerError::Failed(
            String::from_utf8_lossy(&err).trim().to_string(),
        )),
        // Killed by a signal (SIGABRT when an allocation fails, SIGXCPU or SIGKILL when
        // the CPU limit is reached) or any other exit: the file did not fit.
        _ => Err(WorkerError::OverLimits),
    }
}

/// The worker side: a constructor that runs before `main` in any binary linking this
/// crate. Without [`WORKER_ENV`] it does nothing.
mod worker {
    use super::*;

    /// Exit code: the file could not be read (the reason is on standard error).
    pub const UNREADABLE: i32 = 3;
    /// Exit code: the worker was started wrongly (the reason is on standard error).
    pub const BAD_REQUEST: i32 = 4;

    #[cfg(target_os = "linux")]
    #[used]
    #[unsafe(link_section = ".init_array")]
    pub static ENTRY: extern "C" fn() = entry;
    #[cfg(not(target_os = "linux"))]
    pub static ENTRY: extern "C" fn() = entry;

    extern "C" fn entry() {
        let Some(request) = std::env::var_os(WORKER_ENV) else {
            return;
        };
        let request = request.to_string_lossy().into_owned();
        let code = std::panic::catch_unwind(|| serve(&request)).unwrap_or_else(|_| {
            eprintln!("the file could not be read (its structure is damaged)");
            UNREADABLE
        });
        let _ = std::io::stdout().flush();
        std::process::exit(code);
    }

    /// Apply the limits, read the file from standard input, write its text.
    fn serve(request: &str) -> i32 {
        let parts: Vec<&str> = request.split(' ').collect();
        let [kind, memory_mb, cpu_seconds, text_bytes] = parts[..] else {
            eprintln!("{WORKER_ENV} should be 'KIND MEMORY_MB CPU_SECONDS TEXT_BYTES'");
            return BAD_REQUEST;
        };
        let (Ok(memory_mb), Ok(cpu_seconds), Ok(text_bytes)) = (
            memory_mb.parse::<u64>(),
            cpu_seconds.parse::<u64>(),
            text_bytes.parse::<usize>(),
        ) else {
            eprintln!("{WORKER_ENV} has limits that are not numbers");
            return BAD_REQUEST;
        };
        if let Err(e) = limit_self(memory_mb, cpu_seconds) {
            eprintln!("the limits could not be applied: {e}");
            return BAD_REQUEST;
        }
        // A damaged file makes the readers panic; say so in one line, not a backtrace.
        std::panic::set_hook(Box::new(|_| {}));
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            eprintln!("the file did not arrive: {e}");
            return BAD_REQUEST;
        }
        let result = match kind {
            "pdf" => pdf_text(&bytes),
            "docx" => docx_text(&bytes),
            #[cfg(test)]
            "spin" => loop {
                std::hint::black_box(&bytes);
            },
            other => {
                eprintln!("{WORKER_ENV} names an unknown kind '{other}'");
                return BAD_REQUEST;
            }
        };
        match result {
            Ok(mut text) => {
                truncate(&mut text, text_bytes);
                match std::io::stdout().write_all(text.as_bytes()) {
                    Ok(()) => 0,
                    Err(_) => BAD_REQUEST,
                }
            }
            Err(e) => {
                eprintln!("{e:#}");
                UNREADABLE
            }
        }
    }

    /// Cap this process: address space at what it has now plus `memory_mb`, CPU time,
    /// no core files (a dump of a 512 MB process), no files written.
    #[cfg(target_os = "linux")]
    fn limit_self(memory_mb: u64, cpu_seconds: u64) -> std::io::Result<()> {
        let now = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmSize:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or(0, |kb| kb * 1024);
        set(libc::RLIMIT_AS, now + memory_mb * 1024 * 1024)?;
        set(libc::RLIMIT_CPU, cpu_seconds.max(1))?;
        set(libc::RLIMIT_CORE, 0)?;
        set(libc::RLIMIT_FSIZE, 0)?;
        Ok(())
    }

    #[cfg(target_os = "linux")]
    fn set(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
        let mut cur = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct given.
        unsafe {
            if libc::getrlimit(resource, &mut cur) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Never above a hard limit set from outside (`ulimit -v`): only lower.
            let value = value.min(cur.rlim_max);
            let new = libc::rlimit {
                rlim_cur: value,
                rlim_max: value,
            };
            if libc::setrlimit(resource, &new) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn limit_self(_memory_mb: u64, _cpu_seconds: u64) -> std::io::Result<()> {
        Err(std::io::Error::other("limits need a Unix system"))
    }
}

/// The text of a DOCX: paragraphs on their own lines, tabs and breaks kept. It runs in
/// this process without limits: for untrusted files use [`attachment`], which runs it
/// in a worker.
pub fn docx_text(bytes: &[u8]) -> Result<String> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).context("it is not a valid zip file")?;
    if zip.len() > MAX_DOCX_ENTRIES {
        bail!(
            "it holds {} files; a Word document holds far fewer (at most {MAX_DOCX_ENTRIES} are read)",
            zip.len()
        );
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).context("it is not a valid zip file")?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_DOCX_TOTAL {
        bail!(
            "its parts add up to more than {} MB uncompressed",
            MAX_DOCX_TOTAL / 1_048_576
        );
    }
    let entry = zip
        .by_name("word/document.xml")
        .context("it has no word/document.xml, so it is not a Word document")?;
    if entry.size() > MAX_DOCX_XML {
        bail!(
            "its document part is larger than {} MB",
            MAX_DOCX_XML / 1_048_576
        );
    }
    let mut xml = String::new();
    entry
        .take(MAX_DOCX_XML)
        .read_to_string(&mut xml)
        .context("its document part is not UTF-8 XML")?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader
            .read_event()
            .context("its document part is damaged XML")?
        {
            Event::Start(e) if e.name().as_ref() == "w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == "w:t" => in_text = false,
            Event::End(e) if e.name().as_ref() == "w:p" => out.push('\n'),
            Event::Empty(e) if e.name().as_ref() == "w:tab" => out.push('\t'),
            Event::Empty(e) if e.name().as_ref() == "w:br" => out.push('\n'),
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else {
                    out.push_str(match r.xml10_content().as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The text of a PDF. The PDF reader can panic on some damaged files, so it runs
/// behind `catch_unwind` and such a file is reported rather than crashing the program.
/// It runs in this process without limits: for untrusted files use [`attachment`],
/// which runs it in a worker.
pub fn pdf_text(bytes: &[u8]) -> Result<String> {
    let owned = bytes.to_vec();
    let result = std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&owned));
    match result {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => bail!("the PDF is damaged or encrypted ({e})"),
        Err(_) => bail!("the PDF could not be read (its structure is damaged)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{docx, flate_bomb_pdf, pdf};

    fn attachment(name: &str, bytes: Vec<u8>) -> Result<NewAttachment> {
        attachment_blocking(name, bytes, &LIMITS)
    }

    #[test]
    fn plain_text_docx_and_pdf_give_their_text() {
        let a = attachment("notes.txt", "Buddy scheme for new staff\r\n".into()).unwrap();
        assert_eq!(a.media_type, "text/plain");
        assert_eq!(a.text, "Buddy scheme for new staff\n");
        assert_eq!(a.sha256.len(), 64);

        let d = attachment(
            "dir/report.docx",
            docx(&["Induction &amp; mentoring", "Second"]),
        )
        .unwrap();
        assert_eq!(d.file_name, "report.docx");
        assert_eq!(d.text, "Induction & mentoring\nSecond\n");

        let p = attachment("study.pdf", pdf("Supervision improves retention")).unwrap();
        assert_eq!(p.media_type, "application/pdf");
        assert!(
            p.text.contains("Supervision improves retention"),
            "{:?}",
            p.text
        );
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        let e = attachment("photo.png", b"\x89PNG\r\n\x1a\n\0\0".to_vec()).unwrap_err();
        assert!(
            e.to_string().contains("is not a PDF, a Word document"),
            "{e}"
        );
        let e = attachment("fake.docx", b"PK\x03\x04garbage".to_vec()).unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot read fake.docx as a Word document"),
            "{e:#}"
        );
        let e = attachment("broken.pdf", b"%PDF-1.4 nothing here".to_vec()).unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot read the text of broken.pdf"),
            "{e:#}"
        );
        let e = attachment("empty.txt", Vec::new()).unwrap_err();
        assert!(e.to_string().contains("is empty"));
        let e = attachment("big.txt", vec![b'a'; MAX_FILE_BYTES + 1]).unwrap_err();
        assert!(e.to_string().contains("files of at most 20 MB"), "{e}");
    }

    #[test]
    fn a_flate_bomb_fails_alone_quickly_naming_the_limits() {
        let bomb = flate_bomb_pdf(1024);
        assert!(bomb.len() < 1_200_000, "{}", bomb.len());
        let started = Instant::now();
        let e = attachment("report.pdf", bomb).unwrap_err();
        let took = started.elapsed();
        assert_eq!(
            e.to_string(),
            "the text of report.pdf could not be read within the limits (512 MB of memory, 20 seconds), so the file was not taken; if it is a genuine document, save it again as a smaller PDF or a Word document, or send a link to it instead"
        );
        assert!(took < Duration::from_secs(15), "{took:?}");
        // This process is fine and the next file reads as before.
        let p = attachment("study.pdf", pdf("Supervision improves retention")).unwrap();
        assert!(p.text.contains("Supervision improves retention"));
    }

    #[test]
    fn a_worker_over_its_cpu_or_wall_clock_time_is_stopped() {
        // (CPU seconds, wall-clock seconds): the CPU limit, then the timeout, stops it.
        for (cpu_seconds, wall_seconds) in [(1, 20), (60, 1)] {
            let limits = Limits {
                cpu_seconds,
                wall_seconds,
                ..LIMITS
            };
            let started = Instant::now();
            let e = run_worker("spin", b"x", &limits).unwrap_err();
            assert!(matches!(e, WorkerError::OverLimits), "{e}");
            let took = started.elapsed();
            assert!(
                took >= Duration::from_secs(1) && took < Duration::from_secs(10),
                "{took:?}"
            );
        }
    }

    #[test]
    fn text_kept_is_capped() {
        let small = Limits {
            text_bytes: 10,
            ..LIMITS
        };
        let t = attachment_blocking("n.txt", "é".repeat(100).into_bytes(), &small).unwrap();
        assert_eq!(t.text, "é".repeat(5));
        let p =
            attachment_blocking("p.pdf", pdf("Supervision improves retention"), &small).unwrap();
        assert!(p.text.len() <= 10, "{:?}", p.text);
    }

    #[test]
    fn a_docx_with_too_many_parts_is_refused() {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..=MAX_DOCX_ENTRIES {
            z.start_file(format!("p/{i}"), opts).unwrap();
        }
        let many = z.finish().unwrap().into_inner();
        let e = attachment("many.docx", many).unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot read many.docx as a Word document: it holds 10001 files"),
            "{e}"
        );
    }
}
