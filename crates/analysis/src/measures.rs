//! The catalogue of measures: each name, what kind of figure it is, which records it
//! counts and how. One table, so that `measure_names()`, validation and computation
//! can never disagree.

use std::sync::OnceLock;

use observatory_domain::{Unit, codes};
use serde::{Deserialize, Serialize};

use crate::dims::Table;

/// What kind of figure a measure gives, which says how to read a result row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// A count or a sum: `value` = `numerator`, `denominator` is `None`.
    Count,
    /// A fraction (0.125, not 12.5 %): `value` = `numerator` / `denominator`.
    Rate,
    /// A statistic of a distribution (median, quartile, pay gap).
    Statistic,
}

/// Which filled posts count in the numerator of a post-based rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostPred {
    /// Started at least 12 months before the census date.
    Stable,
    /// Agency contract.
    Agency,
    /// Started in the 12 months to the census date (the complement of `Stable`).
    Recent,
}

/// A test on one post of a person, for people-based figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PersonPred {
    All,
    Male,
    Female,
    GenderKnown,
    GenderNotKnown,
    MinorityEthnic,
    EthnicGroupKnown,
    EthnicGroupNotKnown,
    Disabled,
    DisabilityKnown,
    DisabilityNotKnown,
    Age55Plus,
    /// Achieved qualification at or above this position in the level list.
    AchievedAtLeast(u8),
    /// Working towards a qualification at or above this position.
    WorkingTowardsAtLeast(u8),
}

/// Which leavers count in a leaver-based figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeaverPred {
    All,
    /// Destination outside the children's workforce.
    Wastage,
    /// As wastage, leaving out retirements.
    NonRetirementWastage,
}

/// Quantile of annual pay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PayStat {
    Median,
    LowerQuartile,
    UpperQuartile,
}

impl PayStat {
    pub(crate) fn p(self) -> f64 {
        match self {
            PayStat::Median => 0.5,
            PayStat::LowerQuartile => 0.25,
            PayStat::UpperQuartile => 0.75,
        }
    }
}

/// What a group's share in the workforce is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Versus {
    /// Its share in the population served (representation_ratio).
    Population,
    /// Its share among leaders, compared with its share in the whole workforce
    /// (leadership_gap).
    Leaders,
}

/// How a measure is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Def {
    Posts,
    Fte,
    /// Posts (or their fte, when `fte`) meeting the test / all posts (or fte); basis posts.
    PostRate {
        num: PostPred,
        fte: bool,
    },
    /// Distinct people; `num` over `den`, or just the `den` count for headcount.
    People {
        den: PersonPred,
        num: PersonPred,
    },
    Pay(PayStat),
    GenderPayGap,
    Vacancies,
    HardToFillShare,
    VacancyRate,
    Leavers,
    /// Filled posts started in the 12 months to the census date.
    Starters,
    /// Leavers (or their fte) meeting the test / filled posts (or their fte).
    LeaverRate {
        num: LeaverPred,
        fte: bool,
    },
    /// A ratio of two shares of the group named by a gender, ethnic_group, ethnicity,
    /// disability or age_band breakdown or filter.
    GroupRatio(Versus),
    /// People at the previous census who are in no return at this one, among the
    /// employers that returned both times.
    ObservedWastage,
}

impl Def {
    /// The records each measure counts; a breakdown must be carried by all of them.
    pub(crate) fn tables(self) -> &'static [Table] {
        match self {
            Def::Vacancies | Def::HardToFillShare => &[Table::Vacancies],
            Def::VacancyRate => &[Table::Vacancies, Table::Workers],
            Def::Leavers => &[Table::Leavers],
            Def::LeaverRate { .. } => &[Table::Leavers, Table::Workers],
            _ => &[Table::Workers],
        }
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone)]
pub(crate) struct Measure {
    pub name: String,
    pub kind: MeasureKind,
    pub def: Def,
}

fn catalogue() -> &'static [Measure] {
    static CATALOGUE: OnceLock<Vec<Measure>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        use MeasureKind::*;
        use PersonPred as P;
        let mut v = Vec::new();
        let mut add = |name: &str, kind, def| {
            v.push(Measure {
                name: name.to_string(),
                kind,
                def,
            })
        };
        add("posts", Count, Def::Posts);
        add(
            "headcount",
            Count,
            Def::People {
                den: P::All,
                num: P::All,
            },
        );
        add("fte", Count, Def::Fte);
        add("vacancies", Count, Def::Vacancies);
        add("vacancy_rate", Rate, Def::VacancyRate);
        add("hard_to_fill_share", Rate, Def::HardToFillShare);
        add("leavers", Count, Def::Leavers);
        add("starters", Count, Def::Starters);
        for (name, num) in [
            ("turnover_rate", LeaverPred::All),
            ("wastage_rate", LeaverPred::Wastage),
            (
                "non_retirement_wastage_rate",
                LeaverPred::NonRetirementWastage,
            ),
        ] {
            add(name, Rate, Def::LeaverRate { num, fte: false });
            add(
                &format!("{name}_fte"),
                Rate,
                Def::LeaverRate { num, fte: true },
            );
        }
        add(
            "stability_rate",
            Rate,
            Def::PostRate {
                num: PostPred::Stable,
                fte: false,
            },
        );
        add(
            "stability_rate_fte",
            Rate,
            Def::PostRate {
                num: PostPred::Stable,
                fte: true,
            },
        );
        add(
            "agency_share",
            Rate,
            Def::PostRate {
                num: PostPred::Agency,
                fte: true,
            },
        );
        let levels = numbered_levels(codes().qualification_level.codes());
        let achieved: fn(u8) -> PersonPred = P::AchievedAtLeast;
        for (prefix, at_least) in [
            ("qualified_share_l", achieved),
            ("working_towards_share_l", P::WorkingTowardsAtLeast),
        ] {
            for &(n, at) in &levels {
                add(
                    &format!("{prefix}{n}"),
                    Rate,
                    Def::People {
                        den: P::All,
                        num: at_least(at),
                    },
                );
            }
        }
        add("median_pay", Statistic, Def::Pay(PayStat::Median));
        add(
            "pay_lower_quartile",
            Statistic,
            Def::Pay(PayStat::LowerQuartile),
        );
        add(
            "pay_upper_quartile",
            Statistic,
            Def::Pay(PayStat::UpperQuartile),
        );
        add("gender_pay_gap", Statistic, Def::GenderPayGap);
        let people = |den, num| Def::People { den, num };
        for (name, den, num) in [
            ("age_55_plus_share", P::All, P::Age55Plus),
            ("share_male", P::GenderKnown, P::Male),
            ("share_female", P::GenderKnown, P::Female),
            (
                "share_minority_ethnic",
                P::EthnicGroupKnown,
                P::MinorityEthnic,
            ),
            ("share_disabled", P::DisabilityKnown, P::Disabled),
            ("share_gender_not_known", P::All, P::GenderNotKnown),
            ("share_ethnicity_not_known", P::All, P::EthnicGroupNotKnown),
            ("share_disability_not_known", P::All, P::DisabilityNotKnown),
        ] {
            add(name, Rate, people(den, num));
        }
        add(
            "representation_ratio",
            Rate,
            Def::GroupRatio(Versus::Population),
        );
        add("leadership_gap", Rate, Def::GroupRatio(Versus::Leaders));
        add("observed_wastage_rate", Rate, Def::ObservedWastage);
        v
    })
}

/// The qualification levels that have share measures (`qualified_share_lN`,
/// `working_towards_share_lN`): every numbered code of the qualification_level list, with
/// its position in the list ("none" and "entry" are not levels one holds "at or above").
/// Read from the list rather than written as a range, so that a level added to
/// `data/codes/lists.csv` gains its measures; a range would accept the new level in
/// returns and never count it by name.
fn numbered_levels<'a>(codes: impl Iterator<Item = &'a str>) -> Vec<(&'a str, u8)> {
    codes
        .enumerate()
        .filter(|(_, code)| !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()))
        .map(|(at, code)| {
            let at = u8::try_from(at).expect("a code list has at most 256 codes");
            (code, at)
        })
        .collect()
}

/// The measure of that name (names are matched ignoring case and surrounding space).
pub(crate) fn find(name: &str) -> Option<&'static Measure> {
    let n = name.trim().to_ascii_lowercase();
    catalogue().iter().find(|m| m.name == n)
}

/// The units a measure's figures are shown in: its value's, and its numerator's and
/// denominator's (None: no such measure). One definition for the pages, the downloads
/// and the publication.
pub fn measure_units(name: &str) -> Option<(Unit, Unit)> {
    let m = find(name)?;
    Some(match (m.kind, &m.def) {
        (_, Def::Fte) => (Unit::Fte, Unit::Fte),
        // A share of a group against a share elsewhere.
        (_, Def::GroupRatio(_)) => (Unit::Ratio, Unit::Percentage),
        // (median men's pay - median women's) / median men's pay.
        (_, Def::GenderPayGap) => (Unit::Percentage, Unit::Money),
        (_, Def::Pay(_)) => (Unit::Money, Unit::Count),
        (
            MeasureKind::Rate,
            Def::LeaverRate { fte: true, .. } | Def::PostRate { fte: true, .. },
        ) => (Unit::Percentage, Unit::Fte),
        (MeasureKind::Rate, _) => (Unit::Percentage, Unit::Count),
        (MeasureKind::Count | MeasureKind::Statistic, _) => (Unit::Count, Unit::Count),
    })
}

/// Every measure this crate answers, in catalogue order.
pub fn measure_names() -> Vec<String> {
    catalogue().iter().map(|m| m.name.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_is_described_for_people() {
        for m in measure_names() {
            let info = codes()
                .measure_info(&m)
                .unwrap_or_else(|| panic!("{m} is not in data/codes/measures.csv"));
            assert!(!info.label.is_empty() && !info.theme.is_empty(), "{m}");
        }
    }

    #[test]
    fn every_measure_has_its_own_units() {
        let units = |m| measure_units(m).unwrap();
        assert_eq!(units("posts"), (Unit::Count, Unit::Count));
        assert_eq!(units("fte"), (Unit::Fte, Unit::Fte));
        assert_eq!(units("vacancy_rate"), (Unit::Percentage, Unit::Count));
        assert_eq!(units("turnover_rate_fte"), (Unit::Percentage, Unit::Fte));
        assert_eq!(
            units("representation_ratio"),
            (Unit::Ratio, Unit::Percentage)
        );
        assert_eq!(units("leadership_gap"), (Unit::Ratio, Unit::Percentage));
        assert_eq!(units("median_pay"), (Unit::Money, Unit::Count));
        assert_eq!(units("gender_pay_gap"), (Unit::Percentage, Unit::Money));
        assert!(measure_units("nonsense").is_none());
        for m in measure_names() {
            assert!(measure_units(&m).is_some(), "{m}");
        }
    }

    /// The level measures are exactly the numbered codes of the list, in list order:
    /// none missing (a level never counted), none extra (a measure no return can meet).
    #[test]
    fn qualification_measures_follow_the_code_list() {
        let list = &codes().qualification_level;
        let numbered: Vec<&str> = list.codes().filter(|c| c.parse::<u32>().is_ok()).collect();
        assert!(!numbered.is_empty());
        for prefix in ["qualified_share_l", "working_towards_share_l"] {
            let named: Vec<String> = measure_names()
                .into_iter()
                .filter_map(|m| m.strip_prefix(prefix).map(str::to_string))
                .collect();
            assert_eq!(named, numbered, "{prefix}*");
            for n in &numbered {
                let m = find(&format!("{prefix}{n}")).unwrap();
                let at = list.must(n) as u8;
                let Def::People { den, num } = m.def else {
                    panic!("{} is not a people rate", m.name)
                };
                assert_eq!(den, PersonPred::All);
                assert!(matches!(
                    num,
                    PersonPred::AchievedAtLeast(a) | PersonPred::WorkingTowardsAtLeast(a) if a == at
                ));
            }
        }
    }

    /// A level added to the list gains its measure at its own position; named levels
    /// below the numbered ones have none.
    #[test]
    fn a_new_numbered_level_gains_measures() {
        let list = ["none", "entry", "1", "2", "3", "9", "x1"];
        assert_eq!(
            numbered_levels(list.into_iter()),
            vec![("1", 2), ("2", 3), ("3", 4), ("9", 5)]
        );
    }
}
