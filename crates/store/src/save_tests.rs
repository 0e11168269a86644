//! The write and read paths on both backends: a batch of returns stored together, each
//! whole; an approved return refused without touching the others; every field read back
//! exactly as written (SQLite reads and writes through rusqlite, PostgreSQL through sqlx).

use super::*;
use chrono::NaiveDate;
use observatory_domain::{CensusSink, Leaver, ReturnData, Setting, Vacancy, Worker};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A return with one of each record, every optional field set on one record and empty on
/// another, `posts` workers.
fn sample(posts: usize) -> ReturnData {
    let setting = Setting {
        setting_id: "S1".into(),
        name: "Little Acorns".into(),
        setting_type: 1,
        area_code: "E06000056".into(),
        employing_sector: 2,
        provision: 0,
        multi_agency: Some(true),
        places: Some(40),
    };
    let worker = |i: usize| Worker {
        worker_ref: format!("W{i}"),
        person: i.is_multiple_of(2).then_some([i as u8; 16]),
        setting_id: "S1".into(),
        role: (!i.is_multiple_of(3)).then_some(2),
        job_title: i.is_multiple_of(3).then(|| "Snr Nursery Nurse".to_string()),
        contract: 1,
        fte: 50 + i as u32,
        start_date: day("2020-01-31"),
        gender: 1,
        ethnicity: 3,
        disability: 0,
        birth_year: 1990,
        qualification_level: 3,
        qualification_status: 1,
        annual_pay: (!i.is_multiple_of(2)).then_some(25_000),
    };
    ReturnData {
        settings: vec![
            setting.clone(),
            Setting {
                setting_id: "S2".into(),
                multi_agency: None,
                places: None,
                ..setting
            },
        ],
        workers: (0..posts).map(worker).collect(),
        leavers: vec![Leaver {
            worker_ref: "L1".into(),
            person: None,
            setting_id: "S1".into(),
            role: Some(4),
            job_title: None,
            contract: 0,
            fte: 100,
            leave_date: day("2025-03-01"),
            reason: 2,
            destination: 1,
            gender: None,
            ethnicity: Some(1),
            birth_year: None,
        }],
        vacancies: vec![Vacancy {
            setting_id: "S2".into(),
            role: None,
            job_title: Some("Playworker (sessional)".into()),
            vacant_posts: 2,
            vacant_fte: 150,
            hard_to_fill: Some(false),
            covered_by_agency: None,
        }],
    }
}

fn info<'a>(employer: &'a str, date: NaiveDate) -> SaveInfo<'a> {
    SaveInfo {
        employer_id: employer,
        employer_name: Some("An employer"),
        census_date: date,
        submitted_by: "test",
        source: "return.zip",
        digest: "abc",
        warnings: 0,
    }
}

/// Every record read back, by kind.
#[derive(Default)]
struct Collected {
    settings: Vec<(String, Setting)>,
    workers: Vec<(String, Worker)>,
    leavers: Vec<(String, Leaver)>,
    vacancies: Vec<(String, Vacancy)>,
}

impl CensusSink for Collected {
    fn setting(&mut self, e: &str, s: &Setting) {
        self.settings.push((e.into(), s.clone()));
    }
    fn worker(&mut self, e: &str, w: &Worker) {
        self.workers.push((e.into(), w.clone()));
    }
    fn leaver(&mut self, e: &str, l: &Leaver) {
        self.leavers.push((e.into(), l.clone()));
    }
    fn vacancy(&mut self, e: &str, v: &Vacancy) {
        self.vacancies.push((e.into(), v.clone()));
    }
}

async fn batch_and_round_trip(store: Store) {
    let date = day("2025-11-01");
    let (a, b) = (sample(3), sample(5));
    let first = store
        .save_returns(&[(info("A", date), &a), (info("B", date), &b)])
        .await
        .unwrap();
    let first: Vec<Saved> = first.into_iter().map(Result::unwrap).collect();
    assert_eq!(first[0].replaced, None);
    assert!(store.approve_return("B", date, "planner").await.unwrap());

    // A again (replacing), B (approved, so refused) and C (new), in one batch.
    let c = sample(4);
    let second = store
        .save_returns(&[
            (info("A", date), &b),
            (info("B", date), &a),
            (info("C", date), &c),
        ])
        .await
        .unwrap();
    assert_eq!(
        second[0].as_ref().unwrap().replaced,
        Some(first[0].return_id)
    );
    let locked = second[1].as_ref().unwrap_err();
    assert_eq!(locked.employer_id, "B");
    assert_eq!(locked.approved_by, "planner");
    assert!(second[2].is_ok());
    // A now holds the five-post return, B still its own, C its four: the refused one
    // left B exactly as it was.
    assert_eq!(store.count("workers").await.unwrap(), 5 + 5 + 4);
    assert_eq!(store.count("returns").await.unwrap(), 4);
    assert_eq!(store.history("A").await.unwrap().len(), 2);
    assert_eq!(store.history("B").await.unwrap().len(), 1);

    // The single-return path refuses the approved return with the same error.
    let e = store.save_return(&info("B", date), &c).await.unwrap_err();
    assert!(e.downcast_ref::<ReturnLocked>().is_some(), "{e}");

    // Every field comes back exactly as written, employers attached.
    let mut got = Collected::default();
    store.load_census(date, &mut got).await.unwrap();
    let of = |e: &str| -> Vec<Worker> {
        let mut w: Vec<Worker> = got
            .workers
            .iter()
            .filter(|(x, _)| x == e)
            .map(|(_, w)| w.clone())
            .collect();
        w.sort_by(|x, y| x.worker_ref.cmp(&y.worker_ref));
        w
    };
    assert_eq!(of("A"), b.workers);
    assert_eq!(of("B"), b.workers);
    assert_eq!(of("C"), c.workers);
    assert_eq!(got.settings.len(), 6);
    assert!(got.settings.iter().any(|(_, s)| *s == a.settings[0]));
    assert!(got.settings.iter().any(|(_, s)| *s == a.settings[1]));
    assert_eq!(got.leavers.len(), 3);
    assert!(got.leavers.iter().all(|(_, l)| *l == a.leavers[0]));
    assert!(got.vacancies.iter().all(|(_, v)| *v == a.vacancies[0]));

    // Posts in each employer's latest earlier return, for the year-on-year check.
    let later = day("2026-11-01");
    let prev = store.previous_posts_before(later).await.unwrap();
    assert_eq!(prev.get("A"), Some(&5));
    assert_eq!(prev.get("C"), Some(&4));
    assert!(store.previous_posts_before(date).await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_batches_store_each_return_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Location::Sqlite(dir.path().join("t.db")), true)
        .await
        .unwrap();
    batch_and_round_trip(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_batches_store_each_return_whole() {
    let db = crate::testing::TestDb::postgres_named("obs_store").await;
    batch_and_round_trip(db.store.clone()).await;
}

/// Two submissions for one new employer at once on PostgreSQL: the employer lock makes
/// the second wait for the first, so it replaces it instead of racing it to the one
/// current return the schema allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_serialises_submissions_of_one_employer() {
    let db = crate::testing::TestDb::postgres_named("obs_race").await;
    let date = day("2025-11-01");
    for round in 0..3 {
        let (a, b) = (sample(3 + round), sample(6 + round));
        let who = info("N", date);
        let (x, y) = tokio::join!(
            db.store.save_return(&who, &a),
            db.store.save_return(&who, &b)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        let ids = [x.return_id, y.return_id];
        assert!(
            ids.contains(&x.replaced.unwrap_or(0)) || ids.contains(&y.replaced.unwrap_or(0)),
            "one of {x:?} and {y:?} replaced the other"
        );
    }
    assert_eq!(db.store.history("N").await.unwrap().len(), 6);
}

/// Approving a return waits while its employer's return is being stored (the same
/// advisory lock), so the approval covers the return that is current once it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_approval_waits_for_a_return_being_stored() {
    let db = crate::testing::TestDb::postgres_named("obs_approve").await;
    let date = day("2025-11-01");
    db.store
        .save_return(&info("N", date), &sample(3))
        .await
        .unwrap();
    let crate::Pool::Postgres(pool) = &db.store.pool else {
        unreachable!("a PostgreSQL store")
    };
    // A save in progress holds the employer's lock.
    let mut saving = pool.begin().await.unwrap();
    crate::write::lock_employer_pg(&mut saving, "N")
        .await
        .unwrap();
    let store = db.store.clone();
    let approval =
        tokio::spawn(async move { store.approve_return("N", date, "planner").await.unwrap() });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!approval.is_finished(), "the approval waited for the save");
    saving.commit().await.unwrap();
    assert!(
        approval.await.unwrap(),
        "and approved the current return after it"
    );
}
