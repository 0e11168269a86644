//! Non-response estimates: the cubes a query answers from when non-response is estimated
//! (the command line's `query --estimates`).
//! For each census date, the employers that returned at the census before but not at
//! this one have their previous return carried forward (the rules are in
//! `observatory_analysis::estimates`); the carried records alone make a second set of
//! cubes, from which the rows they touch are flagged.

use anyhow::Result;
use chrono::NaiveDate;
use observatory_analysis::{CarryForward, Cube, CubeBuilder, non_responders};

use crate::database::Database;

/// Per census date: the cube with estimates, the carried records alone, and who was
/// carried from which date.
pub struct Estimated {
    pub combined: Vec<Cube>,
    pub carried: Vec<Cube>,
    pub carried_from: Vec<(NaiveDate, NaiveDate, Vec<String>)>,
}

/// The cubes of `dates` with estimates. `on_rebuild` is called before a stored cube has
/// to be rebuilt (see [`crate::cubes::load`]). Every cube is keyed with the database's
/// disclosure secret, so estimated figures are perturbed as the reported ones are.
pub async fn load<G>(
    db: &Database,
    dates: &[NaiveDate],
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<Estimated> {
    let reported = crate::cubes::load(db, dates, &on_rebuild).await?;
    let store = &db.store;
    let known = store.census_dates().await?;
    let secret = store.disclosure_secret().await?;
    let builder = |date| CubeBuilder::new(date).keyed(&secret);
    let mut out = Estimated {
        combined: Vec::new(),
        carried: Vec::new(),
        carried_from: Vec::new(),
    };
    for (cube, &date) in reported.into_iter().zip(dates) {
        let Some(before) = known.iter().copied().filter(|d| *d < date).max() else {
            out.carried.push(builder(date).finish());
            out.combined.push(cube);
            continue;
        };
        let previous = crate::cubes::load_one(db, before, &on_rebuild).await?;
        let missing = non_responders(&previous, &cube);
        if missing.is_empty() {
            out.carried.push(builder(date).finish());
            out.combined.push(cube);
            continue;
        }
        // Loaded under this census date, so ages move on a year by themselves.
        let mut combined = builder(date);
        store.load_census(date, &mut combined).await?;
        store
            .load_census(before, &mut CarryForward::new(&mut combined, &missing))
            .await?;
        let mut carried = builder(date);
        store
            .load_census(before, &mut CarryForward::new(&mut carried, &missing))
            .await?;
        out.combined.push(combined.finish());
        out.carried.push(carried.finish());
        out.carried_from.push((date, before, missing));
    }
    Ok(out)
}

/// The footnote naming who was estimated.
pub fn note(carried_from: &[(NaiveDate, NaiveDate, Vec<String>)]) -> Option<String> {
    if carried_from.is_empty() {
        return Some("--estimates: every employer that returned at the census before returned again; nothing is estimated.".into());
    }
    Some(
        carried_from
            .iter()
            .map(|(date, before, who)| {
                format!(
                    "Estimated at {date}: {} employer(s) carried forward from {before}: {}.",
                    who.len(),
                    who.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}
