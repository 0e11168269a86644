//! Sign-in attempts are counted atomically: attempts at the same moment each get their
//! own number (the lockout cannot be raced), on SQLite and PostgreSQL.

use crate::{Location, Store};

async fn attempts_are_counted_atomically(store: Store) {
    let (at, window_start) = ("2026-01-01T10:00:00Z", "2026-01-01T09:45:00Z");
    let tasks: Vec<_> = (0..26)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.reserve_attempt("k", at, window_start).await })
        })
        .collect();
    let mut counts = vec![];
    for t in tasks {
        let (n, since) = t.await.unwrap().unwrap();
        assert_eq!(since, at);
        counts.push(n);
    }
    counts.sort();
    assert_eq!(counts, (1..=26).collect::<Vec<i64>>());
    // A success gives its attempt back; other keys are counted apart.
    store.refund_attempt("k").await.unwrap();
    let later = "2026-01-01T10:05:00Z";
    assert_eq!(
        store
            .reserve_attempt("k", later, window_start)
            .await
            .unwrap(),
        (26, at.to_string())
    );
    assert_eq!(
        store
            .reserve_attempt("other", later, window_start)
            .await
            .unwrap()
            .0,
        1
    );
    // Once the window has passed, the count starts again.
    let (n, since) = store
        .reserve_attempt("k", "2026-01-01T10:20:00Z", "2026-01-01T10:05:00Z")
        .await
        .unwrap();
    assert_eq!((n, since.as_str()), (1, "2026-01-01T10:20:00Z"));
    // Clearing forgets the key and every count whose window has passed.
    store
        .clear_attempts("k", "2026-01-01T10:05:00Z")
        .await
        .unwrap();
    for key in ["k", "other"] {
        assert_eq!(
            store
                .reserve_attempt(key, "2026-01-01T10:21:00Z", "2026-01-01T10:06:00Z")
                .await
                .unwrap()
                .0,
            1,
            "{key}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_counts_sign_in_attempts_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Location::Sqlite(dir.path().join("t.db")), true)
        .await
        .unwrap();
    attempts_are_counted_atomically(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_counts_sign_in_attempts_atomically() {
    let db = crate::testing::TestDb::postgres_named("obs_attempts").await;
    attempts_are_counted_atomically(db.store.clone()).await;
}
