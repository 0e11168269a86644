//! What each printed figure counts, so that one quantity printed by several measures is
//! one cell. A rate prints its numerator and denominator beside its value ("2 of 26"),
//! and both are figures about people just as a count is: turnover_rate's numerator is
//! the leavers cell with the same keys, its denominator the posts cell. Linking them to
//! the count tables' cells means a leavers cell hidden in the leavers table is hidden in
//! the turnover table too, and secondary suppression and the auditor see the whole
//! publication as one system of cells and margins.
//!
//! A rate row shows two cells, its numerator's and its denominator's, and is hidden
//! whenever either is. Its value is their quotient, so it discloses nothing more. A
//! numerator with no count table of its own (wastage leavers, agency fte) is still a
//! cell of its own quantity, with margins from the rate table's totals, protected like
//! any count. Links that are inequalities rather than equalities (wastage leavers are
//! at most the leavers) are not modelled: they bound a figure but cannot give one away
//! exactly.

use crate::cellkey::{Records, Tally};
use crate::measures::{self, Def, LeaverPred, MeasureKind, PersonPred, PostPred};
use crate::query::ResultRow;

/// A quantity some measures print: its cells are keyed by the quantity, the census
/// date and the breakdown values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Quantity {
    /// For labels and to tell quantities apart, e.g. `leavers`.
    pub name: String,
    /// Whether its margins are exact sums (not so for distinct people: a person with
    /// posts in two groups counts once in the total).
    pub exact: bool,
}

impl Quantity {
    fn additive(name: impl Into<String>) -> Quantity {
        Quantity {
            name: name.into(),
            exact: true,
        }
    }

    /// Distinct people passing a test: `headcount` for everyone.
    fn people(p: PersonPred) -> Quantity {
        Quantity {
            name: match p {
                PersonPred::All => "headcount".into(),
                other => format!("people {other:?}"),
            },
            exact: false,
        }
    }
}

/// Which cells a measure's rows show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A count (or fte sum): its value is one cell.
    Count(Quantity),
    /// A rate: its numerator is a cell of `num` and its denominator one of `den`, or,
    /// where `den_adds_num`, the denominator is `den`'s cell plus the numerator
    /// (vacancy_rate: vacancies over posts plus vacancies), so the row shows the
    /// vacancies and posts cells: knowing both figures is knowing both cells.
    Rate {
        num: Quantity,
        den: Quantity,
        den_adds_num: bool,
    },
}

/// The cells a measure's rows show, or `None` for measures whose figures are not sums
/// of people (pay statistics, ratios of shares), which are protected on their own.
pub(crate) fn shape(measure: &str) -> Option<Shape> {
    let m = measures::find(measure)?;
    let rate = |num: Quantity, den: Quantity| Shape::Rate {
        num,
        den,
        den_adds_num: false,
    };
    let posts_or_fte = |fte: bool| Quantity::additive(if fte { "fte" } else { "posts" });
    Some(match m.def {
        Def::Posts => Shape::Count(posts_or_fte(false)),
        Def::Fte => Shape::Count(posts_or_fte(true)),
        Def::People { den, num } => match m.kind {
            MeasureKind::Count => Shape::Count(Quantity::people(den)),
            _ => rate(Quantity::people(num), Quantity::people(den)),
        },
        Def::Vacancies => Shape::Count(Quantity::additive("vacancies")),
        Def::HardToFillShare => rate(
            Quantity::additive("hard-to-fill vacancies"),
            Quantity::additive("vacancies"),
        ),
        Def::VacancyRate => Shape::Rate {
            num: Quantity::additive("vacancies"),
            den: posts_or_fte(false),
            den_adds_num: true,
        },
        Def::Leavers => Shape::Count(Quantity::additive("leavers")),
        // Starters are posts less stable posts: an equality with two other quantities'
        // cells that, as the inequalities above, is not modelled here; the ad hoc tables
        // that show starters perturb every cell by its records' key, so a difference of
        // two published cells is as perturbed as the starters cell itself.
        Def::Starters => Shape::Count(Quantity::additive("started posts")),
        Def::LeaverRate { num, fte } => {
            let who = match num {
                LeaverPred::All => "leavers",
                LeaverPred::Wastage => "leavers (wastage)",
                LeaverPred::NonRetirementWastage => "leavers (non-retirement wastage)",
            };
            let suffix = if fte { " fte" } else { "" };
            rate(
                Quantity::additive(format!("{who}{suffix}")),
                posts_or_fte(fte),
            )
        }
        Def::PostRate { num, fte } => {
            let which = match num {
                PostPred::Stable => "stable",
                PostPred::Agency => "agency",
                PostPred::Recent => "started",
            };
            let unit = if fte { "fte" } else { "posts" };
            rate(
                Quantity::additive(format!("{which} {unit}")),
                posts_or_fte(fte),
            )
        }
        Def::Pay(_) | Def::GenderPayGap | Def::GroupRatio(_) | Def::ObservedWastage => {
            return None;
        }
    })
}

/// One cell a row shows: its quantity, its figure (`None` once withheld), how many
/// people or posts it counts, and whether that alone hides it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shown<'a> {
    pub quantity: &'a Quantity,
    pub value: Option<f64>,
    pub count: u64,
    pub primary: bool,
}

/// The cells a row of a measure of this shape shows. Primary, as the spec says: a count
/// of fewer people than the threshold, a numerator or denominator of 1 to
/// threshold - 1. A count of nobody discloses no one; a rate over nobody shows its
/// numerator (already a cell of its own) beside a denominator of 0 and has no value.
/// Were an empty denominator primary, every margin it is part of would need hiding.
pub(crate) fn shown<'a>(shape: &'a Shape, row: &ResultRow, threshold: u64) -> Vec<Shown<'a>> {
    let (num_n, den_n) = counts(shape, row);
    let small = |n: u64| n < threshold;
    match shape {
        Shape::Count(q) => vec![Shown {
            quantity: q,
            value: row.numerator,
            count: num_n,
            primary: small(num_n),
        }],
        Shape::Rate {
            num,
            den,
            den_adds_num,
        } => {
            let (den_value, den_count) = if *den_adds_num {
                let rest = row.denominator.zip(row.numerator).map(|(d, n)| d - n);
                (rest, den_n.saturating_sub(num_n))
            } else {
                (row.denominator, den_n)
            };
            vec![
                Shown {
                    quantity: num,
                    value: row.numerator,
                    count: num_n,
                    primary: num_n > 0 && small(num_n),
                },
                Shown {
                    quantity: den,
                    value: den_value,
                    count: den_count,
                    primary: den_count > 0 && small(den_count),
                },
            ]
        }
    }
}

/// How many people or posts a row's numerator and denominator count: its records'
/// tallies where it has them, else (a row built by hand) what its figures say: the
/// basis is the denominator's (a count's) count, and a rate's numerator counts itself.
fn counts(shape: &Shape, row: &ResultRow) -> (u64, u64) {
    match (shape, row.records) {
        (Shape::Count(_), _) => (row.basis, 0),
        (Shape::Rate { .. }, Some(r)) => (r.num.n, r.den.n),
        (Shape::Rate { .. }, None) => {
            let num = row.numerator.map_or(0, |v| v.max(0.0).round() as u64);
            (num, row.basis)
        }
    }
}

/// Keeps a row's counts in its records before its figures are withheld, so that a
/// row built without records is still known to be primary (or not) afterwards, as the
/// basis of a suppressed row is.
pub(crate) fn keep_counts(row: &mut ResultRow, measure: &str) {
    if row.records.is_some() {
        return;
    }
    if let Some(shape) = shape(measure) {
        let (num, den) = counts(&shape, row);
        let tally = |n| Tally { n, key: 0 };
        row.records = Some(Records {
            num: tally(num),
            den: tally(den),
            versus: None,
        });
    }
}
