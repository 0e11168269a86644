//! Synthetic censuses: a seeded census of realistic employers over several years, written
//! as ordinary return files and a manifest (`observatory generate`), and the demo's
//! loading of one into a database through the same import path as real employers' returns.

use anyhow::Context;
use chrono::NaiveDate;
use std::path::Path;
use std::sync::Arc;

use crate::database::Database;
use crate::error::ServiceError;
use crate::import::{KeySource, ReadContext};
use crate::manifest::{self, Done, Options, Progress};
use crate::policy::{self, Actor};

pub use observatory_synth::{GenerateOptions, Summary, expected_posts};

/// The options of a synthetic census: the demo area or national scale, a seed, and
/// optionally how many areas and posts per area.
pub fn options(
    national: bool,
    seed: u64,
    areas: Option<usize>,
    posts_per_area: Option<usize>,
) -> GenerateOptions {
    let mut o = if national {
        GenerateOptions::national()
    } else {
        GenerateOptions::demo()
    };
    o.seed = seed;
    if let Some(n) = areas {
        o.areas = observatory_synth::national_area_codes(n);
    }
    if let Some(p) = posts_per_area {
        o.posts_per_area = p;
    }
    o
}

/// Write a synthetic census into `out`. A folder already holding files is refused unless
/// `replace` (then it is emptied first), so files of two runs are never mixed.
/// `on_posts` is told of the posts written as they are (out of [`expected_posts`]).
pub fn generate(
    opts: &GenerateOptions,
    out: &Path,
    replace: bool,
    on_posts: &(dyn Fn(u64) + Sync),
) -> Result<Summary, ServiceError> {
    let occupied = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some());
    if occupied {
        if !replace {
            return Err(ServiceError::Invalid(format!(
                "{} already holds files; choose an empty folder, or add --force to empty it first",
                out.display()
            )));
        }
        std::fs::remove_dir_all(out).with_context(|| format!("cannot empty {}", out.display()))?;
    }
    Ok(observatory_synth::generate(opts, out, on_posts)?)
}

/// Import a generated census (its manifest) as the demo does: checked as every return
/// is, stored as submitted by "demo".
pub async fn load(
    db: &Database,
    actor: Actor<'_>,
    keys: &(impl KeySource + ?Sized),
    summary: &Summary,
    progress: impl FnMut(Progress),
) -> Result<Vec<Done>, ServiceError> {
    policy::may_operate(actor)?;
    let ctx = Arc::new(ReadContext::load(keys, db, None, 200).await?);
    let jobs = manifest::read_manifest(&summary.manifest)?;
    let options = Options {
        threads: 2,
        dry_run: false,
        submitted_by: "demo",
    };
    manifest::import_all(db, actor, ctx, jobs, &options, progress).await
}

/// Build and snapshot the cube of each census date now, so the first query is quick.
pub async fn prepare_queries<G>(
    db: &Database,
    actor: Actor<'_>,
    dates: &[NaiveDate],
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<(), ServiceError> {
    policy::may_operate(actor)?;
    for d in dates {
        crate::cubes::load_one(db, *d, &on_rebuild).await?;
    }
    Ok(())
}
