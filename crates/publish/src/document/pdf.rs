//! A [`Document`] as a PDF: its HTML ([`to_html`], with its print stylesheet) printed
//! by headless Chromium, as docs/architecture.md explains. Printing takes a second or
//! two and at most [`LIMIT`]: call it off the async threads.

use super::{Document, to_html};
use anyhow::{Context, Result, bail};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long Chromium may take to print before it is stopped.
pub const LIMIT: Duration = Duration::from_secs(60);

const MISSING: &str = "Making a PDF needs Chromium; install it (Debian: apt install chromium) or choose --format html or docx.";

/// The document as the bytes of a PDF, printed by the Chromium named by the environment
/// variable `CHROMIUM`, else the first of `chromium`, `chromium-browser` and
/// `google-chrome` on the `PATH`.
pub fn to_pdf(doc: &Document) -> Result<Vec<u8>> {
    let browser = find_browser(std::env::var_os("CHROMIUM"), std::env::var_os("PATH"))?;
    print(&browser, &to_html(doc), LIMIT)
}

/// The browser to print with: `chromium` (a path, or a name looked up on `path`) when
/// given, else the first of the usual names found on `path`.
fn find_browser(chromium: Option<OsString>, path: Option<OsString>) -> Result<PathBuf> {
    let on_path = |name: &Path| -> Option<PathBuf> {
        if name.components().count() > 1 {
            return is_program(name).then(|| name.to_path_buf());
        }
        std::env::split_paths(path.as_deref()?)
            .map(|dir| dir.join(name))
            .find(|p| is_program(p))
    };
    match chromium.filter(|c| !c.is_empty()) {
        Some(c) => on_path(Path::new(&c)).with_context(|| {
            format!(
                "CHROMIUM is set to {}, which is not a program on this machine. {MISSING}",
                Path::new(&c).display()
            )
        }),
        None => ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .find_map(|name| on_path(Path::new(name)))
            .context(MISSING),
    }
}

fn is_program(p: &Path) -> bool {
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| {
        #[cfg(unix)]
        let runnable = m.permissions().mode() & 0o111 != 0;
        #[cfg(not(unix))]
        let runnable = true;
        m.is_file() && runnable
    })
}

/// Print `html` with `browser` in a fresh temporary directory (the page, a new profile,
/// the PDF and the browser's log), stopping the browser after `limit`.
fn print(browser: &Path, html: &str, limit: Duration) -> Result<Vec<u8>> {
    let dir = tempfile::tempdir().context("cannot make a temporary directory to print in")?;
    let page = dir.path().join("document.html");
    let pdf = dir.path().join("document.pdf");
    let profile = dir.path().join("profile");
    let log = dir.path().join("chromium.log");
    std::fs::write(&page, html).context("cannot write the page to print")?;
    let flag = |name: &str, value: &Path| {
        let mut f = OsString::from(name);
        f.push(value);
        f
    };
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
    ])
    .arg(flag("--user-data-dir=", &profile))
    .arg(flag("--print-to-pdf=", &pdf))
    .arg(file_url(&page))
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(&log).context("cannot write the browser's log")?);
    let status = run_bounded(cmd, limit)
        .with_context(|| format!("cannot run Chromium ({})", browser.display()))?;
    let said = || {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        let last: Vec<&str> = log.lines().rev().take(5).collect();
        last.into_iter().rev().collect::<Vec<_>>().join("\n")
    };
    let Some(status) = status else {
        bail!(
            "Chromium did not finish printing the PDF within {} seconds, so it was stopped; try again, or choose --format html or docx",
            limit.as_secs()
        );
    };
    if !status.success() {
        bail!("Chromium could not print the PDF ({status}):\n{}", said());
    }
    let bytes = match std::fs::read(&pdf) {
        Ok(b) => b,
        Err(_) => bail!("Chromium finished but wrote no PDF:\n{}", said()),
    };
    if !bytes.starts_with(b"%PDF") {
        bail!("Chromium wrote a file that is not a PDF:\n{}", said());
    }
    Ok(bytes)
}

/// Run `cmd` for at most `limit`: its exit status, or `None` when it ran over and was
/// stopped, with every process it started (it runs in a process group of its own, which
/// is killed whole: Chromium starts several).
fn run_bounded(mut cmd: Command, limit: Duration) -> std::io::Result<Option<ExitStatus>> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn()?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if start.elapsed() >= limit {
            #[cfg(unix)]
            if let Ok(group) = i32::try_from(child.id()) {
                // SAFETY: kill(2) with a negative pid signals that process group, which
                // is the child's own (process_group(0) above); it touches no memory.
                unsafe { libc::kill(-group, libc::SIGKILL) };
            }
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `file://` URL for an absolute path, percent-encoding all but unreserved characters.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::fixture::every_block;

    #[test]
    fn chromium_prints_a_pdf_holding_the_title_a_heading_and_a_table_cell() {
        // No skipping: where Chromium is missing this fails with the sentence saying
        // how to install it (scripts/test installs it).
        let pdf = to_pdf(&every_block("Sefton")).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
        // The extracted text has spaces where the glyphs were placed apart: compare
        // without any.
        let text: String = text.split_whitespace().collect();
        for want in ["T00Sefton", "T02Sefton", "T19Sefton"] {
            assert!(
                text.contains(want),
                "{want} is not in the PDF's text: {text}"
            );
        }
    }

    #[test]
    fn the_browser_comes_from_chromium_else_the_path_else_a_plain_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = Some(OsString::from(dir.path()));
        let e = find_browser(None, path.clone()).unwrap_err().to_string();
        assert_eq!(e, MISSING);
        let e = find_browser(Some("/no/such/chrome".into()), None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!(
                "CHROMIUM is set to /no/such/chrome, which is not a program on this machine. {MISSING}"
            )
        );
        assert_eq!(
            find_browser(Some("/bin/sh".into()), None).unwrap(),
            Path::new("/bin/sh")
        );
        // A file that is not executable is not a browser; one that is, is found.
        let fake = dir.path().join("chromium-browser");
        std::fs::write(&fake, "").unwrap();
        assert!(find_browser(None, path.clone()).is_err());
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        assert_eq!(find_browser(None, path.clone()).unwrap(), fake);
        assert_eq!(find_browser(Some("".into()), path).unwrap(), fake);
    }

    #[test]
    fn a_browser_that_hangs_is_stopped_and_one_that_writes_nothing_is_reported() {
        let start = Instant::now();
        let mut sleep = Command::new("sleep");
        sleep.arg("30");
        assert!(
            run_bounded(sleep, Duration::from_millis(200))
                .unwrap()
                .is_none()
        );
        assert!(start.elapsed() < Duration::from_secs(10));
        let e = print(Path::new("true"), "<p>x</p>", Duration::from_secs(1)).unwrap_err();
        assert!(
            format!("{e:#}").starts_with("Chromium finished but wrote no PDF"),
            "{e:#}"
        );
        let e = print(Path::new("false"), "<p>x</p>", Duration::from_secs(1)).unwrap_err();
        assert!(
            format!("{e:#}").starts_with("Chromium could not print the PDF (exit status: 1)"),
            "{e:#}"
        );
    }

    #[test]
    fn file_urls_are_percent_encoded() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/ü#.html")),
            "file:///tmp/a%20b/%C3%BC%23.html"
        );
    }
}
