//! Slow work runs off the async threads (issue 12, item 5): a slow PDF posted on the
//! public call-for-evidence form, and a cube being rebuilt after an import, leave the
//! server answering everyone else. Latencies are printed (run with `--nocapture`), not
//! asserted: what is asserted is order, with wide margins (cheap requests, tens of
//! milliseconds, complete while work of seconds is still under way).

use crate::evidence::{open_call, post, public_form, submission};
use crate::on_both;
use crate::support::*;
use observatory_service::blocking::CPU;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A real PDF whose text takes its reader seconds (about 5 s for 80,000 in a debug
/// build): one page showing `n` strings of 190 characters. Every glyph goes through the
/// reader's font code, so the time is in the reader. The 15 MB content stream is
/// compressed (FlateDecode) to a file of some 100 KB, so the test process itself holds
/// little (the flate-bomb test beside this one checks the process's peak memory).
fn slow_pdf(n: usize) -> Vec<u8> {
    use std::io::Write;
    let words = "childminders stay ".repeat(10);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    write!(z, "BT /F1 12 Tf 72 720 Td (Start) Tj").unwrap();
    for i in 0..n {
        write!(z, " ({i} {words}) Tj").unwrap();
    }
    write!(z, " ET").unwrap();
    let stream = z.finish().unwrap();
    observatory_evidence::testing::pdf_with_content(
        &format!("/Length {} /Filter /FlateDecode", stream.len()),
        &stream,
    )
}

/// Milliseconds one GET takes, read whole; its status must be 200.
async fn timed(c: &Client, path: &str) -> f64 {
    let t = Instant::now();
    let res = c.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.bytes().await.unwrap();
    t.elapsed().as_secs_f64() * 1000.0
}

fn summary(ms: &[f64]) -> String {
    let mut v = ms.to_vec();
    v.sort_by(f64::total_cmp);
    format!(
        "n {}, median {:.0} ms, max {:.0} ms",
        v.len(),
        v[v.len() / 2],
        v[v.len() - 1]
    )
}

// Two PDFs at once: as many as the readers' turns, and as many as the server's async
// threads, so extraction waiting on an async thread would stall everything.
on_both!(
    slow_pdfs_on_the_public_form_do_not_stall_other_requests,
    |b| async move {
        let s = Arc::new(start(b, true, |_| {}).await);
        let planner = s.client("planner@t.example").await;
        let public = Client::new(&s);
        let pages = ["/dashboard", "/evidence?q=childminders", "/sign-in"];
        let (who, pages): (Vec<&Client>, Vec<&str>) = [
            (&planner, pages[0]),
            (&public, pages[1]),
            (&public, pages[2]),
        ]
        .into_iter()
        .unzip();
        // Warm: the cube built, the evidence index opened.
        for (c, p) in who.iter().zip(&pages) {
            timed(c, p).await;
        }
        let mut idle = Vec::new();
        for _ in 0..3 {
            for (c, p) in who.iter().zip(&pages) {
                idle.push(timed(c, p).await);
            }
        }
        let (id, link) = open_call(&s).await;
        let (cookie, csrf, key) = public_form(&s, &link).await;
        let pdf = slow_pdf(80_000);
        let done: Arc<[AtomicBool; 2]> = Arc::new(Default::default());
        let started = Instant::now();
        let slow: Vec<_> = (0..2)
            .map(|k| {
                let (s, done, cookie) = (s.clone(), done.clone(), cookie.clone());
                let form = submission(&csrf, &key, "A long report", "a@r.example").part(
                    "file",
                    reqwest::multipart::Part::bytes(pdf.clone()).file_name("report.pdf"),
                );
                tokio::spawn(async move {
                    let res = post(&s, id, &cookie, form).await;
                    done[k].store(true, Ordering::SeqCst);
                    let took = started.elapsed();
                    (res.status(), res.text().await.unwrap(), took)
                })
            })
            .collect();
        // The files arrive and their workers start.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let mut busy = Vec::new();
        let mut rounds_while_reading = 0;
        for _ in 0..3 {
            for (c, p) in who.iter().zip(&pages) {
                busy.push(timed(c, p).await);
            }
            if !done.iter().any(|d| d.load(Ordering::SeqCst)) {
                rounds_while_reading += 1;
            }
        }
        // Someone else's small text file on the same public form is taken meanwhile.
        let t = Instant::now();
        let text = submission(&csrf, &key, "Short note", "b@r.example").part(
            "file",
            reqwest::multipart::Part::bytes(b"Childminders stay for the children.".to_vec())
                .file_name("notes.txt"),
        );
        assert_eq!(post(&s, id, &cookie, text).await.status(), 200);
        let text_ms = t.elapsed().as_secs_f64() * 1000.0;
        let text_while_reading = !done.iter().any(|d| d.load(Ordering::SeqCst));
        let mut slow_took = Vec::new();
        for h in slow {
            let (status, html, took) = h.await.unwrap();
            // Taken, or (on a machine so busy it ran out of time) refused for its limits.
            assert!(
                status == 200 || (status == 400 && html.contains("within the limits")),
                "{status} {html}"
            );
            slow_took.push(took.as_secs_f64());
        }
        println!("{b:?}: the slow PDF is {} KB", pdf.len() / 1024);
        println!(
            "{b:?}: cheap requests idle: {}; while two slow PDFs were read: {}; a text file on the form: {text_ms:.0} ms; the PDFs took {slow_took:.1?} s",
            summary(&idle),
            summary(&busy)
        );
        assert!(
            rounds_while_reading >= 1,
            "no round of cheap requests completed before the slow PDFs (took {slow_took:?} s)"
        );
        assert!(text_while_reading, "the text file waited for the PDFs");
    }
);

// One thread for the test's client and the whole server (tokio's current-thread
// runtime): had any of a cube build run on it, no other request could complete while
// the build held its turn in the pool.
macro_rules! on_both_one_thread {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                ($body)(Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                ($body)(Backend::Postgres).await;
            }
        }
    };
}

on_both_one_thread!(
    a_cube_rebuild_does_not_stall_other_requests,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        // A census of some 24,000 posts at two dates: its first dashboard builds two cubes.
        let mut opts = observatory_synth::GenerateOptions::demo();
        opts.posts_per_area = 12_000;
        opts.census_dates.remove(0);
        opts.xlsx_share = 0.0;
        opts.messy_titles = false;
        let area = opts.areas[0].clone();
        assert!(s.import_generated(&opts).await > 20_000);
        let analyst = s.client("analyst@t.example").await;
        let employer = s.client("employer@t.example").await;
        let public = Client::new(&s);
        let (who, pages): (Vec<&Client>, Vec<&str>) = [
            (&public, "/sign-in"),
            (&public, "/evidence"),
            (&employer, "/submit"),
        ]
        .into_iter()
        .unzip();
        let mut idle = Vec::new();
        for _ in 0..3 {
            for (c, p) in who.iter().zip(&pages) {
                idle.push(timed(c, p).await);
            }
        }
        let done = AtomicBool::new(false);
        let dashboard = async {
            let t = Instant::now();
            let ms = timed(&analyst, &format!("/dashboard?area={area}")).await;
            done.store(true, Ordering::SeqCst);
            (ms, t)
        };
        let others = async {
            // Wait for the build to be under way in the pool.
            let t = Instant::now();
            while CPU.busy() == 0 && !done.load(Ordering::SeqCst) {
                assert!(t.elapsed() < Duration::from_secs(120), "no build started");
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            // Requests answered from start to end while a job held a turn of the pool.
            let mut during = Vec::new();
            while !done.load(Ordering::SeqCst) {
                for (c, p) in who.iter().zip(&pages) {
                    let building = CPU.busy() > 0;
                    let ms = timed(c, p).await;
                    if building && CPU.busy() > 0 {
                        during.push(ms);
                    }
                }
            }
            during
        };
        let ((dashboard_ms, _), during) = tokio::join!(dashboard, others);
        println!(
            "{b:?}: cheap requests idle: {}; during the dashboard's cube rebuild ({dashboard_ms:.0} ms): {}",
            summary(&idle),
            if during.is_empty() {
                "none".to_string()
            } else {
                summary(&during)
            }
        );
        assert!(
            !during.is_empty(),
            "no cheap request completed during the rebuild ({dashboard_ms:.0} ms)"
        );
        // The next dashboard uses the cubes built (memory), and a new server process
        // would decode their snapshots: both answer as before.
        timed(&analyst, &format!("/dashboard?area={area}")).await;
        let rebuilt = AtomicBool::new(false);
        let snapshot =
            observatory_service::cubes::load_one(&s.state.db, opts.census_dates[1], |_| {
                rebuilt.store(true, Ordering::SeqCst)
            })
            .await
            .unwrap();
        assert!(!rebuilt.load(Ordering::SeqCst), "the snapshot is current");
        assert!(snapshot.posts() > 10_000);
    }
);
