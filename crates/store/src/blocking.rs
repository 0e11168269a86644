//! Work that must not run on the async runtime's threads: building and decoding the
//! analysis cube, reading and checking an uploaded return, waiting for the worker that
//! reads an attachment's text. A server has a couple of async threads answering every
//! request; one of them busy for 15 seconds building a national cube (or waiting 30
//! seconds for a slow PDF) stalls every request queued behind it.
//!
//! Such work runs in a [`Pool`]: an asynchronous semaphore in front of tokio's
//! `spawn_blocking`. Why not just tokio's own bound (`max_blocking_threads`)?
//! - It bounds the wrong thing: the blocking pool also serves tokio's file access and
//!   `block_in_place` (SQLite's bulk reads and writes), and it is set by whoever builds
//!   the runtime (the command line, each test), not by the code that knows the work.
//! - Work beyond it queues *inside* tokio, holding nothing visible: a burst of slow
//!   uploads would queue a cube build (a signed-in dashboard) behind them.
//! - Waiting for a turn here holds no thread at all (the task sleeps on the
//!   semaphore), so a hundred uploads at once cost a hundred sleeping tasks, not a
//!   hundred threads with their stacks.
//!
//! There is one pool for CPU work ([`CPU`]) and the evidence library keeps a second of
//! the same kind for its attachment readers, so a member of the public posting slow
//! PDFs on the open call-for-evidence form can use up only the readers' turns, never
//! the turns signed-in people's dashboards and uploads need.
//!
//! This lives in the store crate because it is the lowest crate with the runtime that
//! both the service layer and the evidence library build on.

use anyhow::{Context, Result};
use std::sync::LazyLock;
use tokio::sync::{Semaphore, SemaphorePermit};

/// A bounded set of turns to run blocking work on tokio's blocking threads.
pub struct Pool {
    turns: Semaphore,
    size: usize,
}

/// The pool for CPU-heavy work: cube builds and decodes, reading uploaded returns. As
/// many turns as the machine has cores (at least two, so one long cube build never
/// leaves uploads without a turn); more would only make each job slower.
pub static CPU: LazyLock<Pool> = LazyLock::new(|| {
    Pool::new(
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2)
            .max(2),
    )
});

/// One turn in a [`Pool`], held until the work it runs has ended.
pub struct Turn {
    _permit: SemaphorePermit<'static>,
}

impl Pool {
    /// A pool running at most `size` jobs at once (at least one).
    pub const fn new(size: usize) -> Pool {
        let size = if size == 0 { 1 } else { size };
        Pool {
            turns: Semaphore::const_new(size),
            size,
        }
    }

    /// How many jobs may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many jobs are running (or hold a turn) now.
    pub fn busy(&self) -> usize {
        self.size - self.turns.available_permits()
    }

    /// Wait, without holding a thread, for a turn.
    pub async fn turn(&'static self) -> Turn {
        Turn {
            _permit: self
                .turns
                .acquire()
                .await
                .expect("the pool is never closed"),
        }
    }

    /// Run `f` on a blocking thread when a turn is free; its result.
    pub async fn run<R: Send + 'static>(
        &'static self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R> {
        self.turn().await.run(f).await
    }
}

impl Turn {
    /// Run `f` on a blocking thread with this turn. The turn is given back when `f`
    /// ends, not when the caller stops waiting: a request whose client went away leaves
    /// its job running, and the job still counts against the bound until it is done.
    /// A panic in `f` becomes an error (the request fails; the server goes on).
    pub async fn run<R: Send + 'static>(self, f: impl FnOnce() -> R + Send + 'static) -> Result<R> {
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop(self);
            out
        })
        .await
        .context("a background job stopped unexpectedly")
    }
}

/// Run `future` to completion on the current blocking thread, for code already in a
/// [`Pool`] that needs the database between its CPU work (a cube build streams rows
/// from the store into its builder: the rows are fed as they arrive, so they are never
/// all in memory at once, and no row's work runs on an async thread). Only call this
/// from inside a pool's job, never from async code.
pub fn wait_for<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Handle::current().block_on(future)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_size_jobs_run_at_once_and_async_threads_stay_free() {
        static POOL: Pool = Pool::new(2);
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let jobs: Vec<_> = (0..6)
            .map(|i| {
                tokio::spawn(POOL.run(move || {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                    i
                }))
            })
            .collect();
        // The async threads answer while six jobs of 100 ms share two turns.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(POOL.busy(), 2);
        let mut got = Vec::new();
        for j in jobs {
            got.push(j.await.unwrap().unwrap());
        }
        assert_eq!(got, (0..6).collect::<Vec<_>>());
        assert_eq!(MOST.load(Ordering::SeqCst), 2);
        assert_eq!(POOL.busy(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_turn_is_held_until_the_job_ends_even_if_nobody_waits() {
        static POOL: Pool = Pool::new(1);
        let job = tokio::spawn(POOL.run(|| std::thread::sleep(Duration::from_millis(300))));
        tokio::time::sleep(Duration::from_millis(50)).await;
        job.abort();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(POOL.busy(), 1, "the abandoned job still runs");
        POOL.run(|| ()).await.unwrap();
        assert_eq!(POOL.busy(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_is_an_error_and_gives_the_turn_back() {
        static POOL: Pool = Pool::new(1);
        let e = POOL.run(|| panic!("boom")).await.unwrap_err();
        assert!(e.to_string().contains("stopped unexpectedly"), "{e}");
        assert_eq!(POOL.busy(), 0);
        assert_eq!(POOL.run(|| 7).await.unwrap(), 7);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_can_wait_for_async_work() {
        let n = CPU
            .run(|| {
                wait_for(async {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    5
                })
            })
            .await
            .unwrap();
        assert_eq!(n, 5);
    }

    #[tokio::test]
    async fn it_works_on_a_current_thread_runtime_too() {
        let n = CPU
            .run(|| {
                wait_for(async {
                    tokio::task::yield_now().await;
                    6
                })
            })
            .await
            .unwrap();
        assert_eq!(n, 6);
    }
}
