//! Outliers: employers whose rates stand far from those of their peers (same main
//! setting type, or same employing sector), by the modified z-score of Iglewicz and
//! Hoaglin (1993): z = 0.6745 (x - median) / MAD, flagged when |z| > 3.5. Median and
//! MAD are not pulled by the outliers themselves, unlike mean and standard deviation.
//!
//! When more than half the peers share one value the MAD is 0 and the score is
//! undefined; then the mean absolute deviation from the median stands in, scaled to be
//! comparable (z = (x - median) / (1.253314 x MeanAD), as IBM SPSS does). When every
//! peer has the same value there is no spread and no outlier (z = 0).

use std::collections::BTreeMap;

use observatory_domain::codes;
use serde::{Deserialize, Serialize};

use super::{by_employer, employer_areas};
use crate::AnalysisError;
use crate::cube::Cube;

/// Who an employer is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerGroup {
    /// Employers of the same main setting type (the type of the settings most of its
    /// posts are in).
    SettingType,
    /// Employers of the same main employing sector (public, private, voluntary).
    EmployingSector,
}

/// What to look at and how strictly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierConfig {
    /// Measure names (rates are what this is for).
    pub measures: Vec<String>,
    /// Who each employer is compared with.
    pub peer_group: PeerGroup,
    /// Employers whose figure rests on fewer posts or people than this are not scored
    /// (one leaver in three posts is a turnover of 33 % and means little).
    pub min_basis: u64,
    /// Peer groups with fewer scored employers than this are not scored.
    pub min_peers: usize,
    /// |z| above this is an outlier.
    pub threshold: f64,
}

impl Default for OutlierConfig {
    fn default() -> Self {
        OutlierConfig {
            measures: [
                "vacancy_rate",
                "turnover_rate",
                "agency_share",
                "stability_rate",
                "qualified_share_l3",
            ]
            .map(String::from)
            .to_vec(),
            peer_group: PeerGroup::SettingType,
            min_basis: 10,
            min_peers: 5,
            threshold: 3.5,
        }
    }
}

/// An employer's standing for one measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierStatus {
    /// |z| above the threshold.
    Outlier,
    /// Scored, within the threshold.
    Within,
    /// The figure rests on fewer than `min_basis` posts or people: not scored.
    TooFewCases,
    /// Its peer group has fewer than `min_peers` scorable employers: not scored.
    FewPeers,
    /// No figure (a rate over nothing).
    NoValue,
}

/// Which spread the score was scaled by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// The median absolute deviation (the usual case).
    Mad,
    /// The MAD was 0: the mean absolute deviation from the median, x 1.253314.
    MeanAbsoluteDeviation,
    /// Every peer has the same value: no spread, every z is 0.
    NoSpread,
}

/// One employer's score for one measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierRow {
    /// The measure.
    pub measure: String,
    /// How peers were chosen.
    pub peer_group: PeerGroup,
    /// The peer group: a setting type or employing sector code.
    pub peer: String,
    /// The employer id.
    pub employer: String,
    /// The areas it has settings in.
    pub areas: Vec<String>,
    /// The employer's figure.
    pub value: Option<f64>,
    /// What was counted.
    pub numerator: Option<f64>,
    /// What it was counted out of.
    pub denominator: Option<f64>,
    /// Posts or people the figure rests on.
    pub basis: u64,
    /// Outlier, within, or why it was not scored.
    pub status: OutlierStatus,
    /// Scored employers in the peer group.
    pub peers: usize,
    /// The peer group's median (scored employers).
    pub median: Option<f64>,
    /// The peer group's median absolute deviation.
    pub mad: Option<f64>,
    /// Which spread the score used.
    pub scale: Option<Scale>,
    /// The modified z-score.
    pub z: Option<f64>,
}

/// Median of sorted values; an even count gives the mean of the two middle ones.
fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Modified z-scores of `values` (in their order) with the median, the MAD and the
/// spread used. Empty input gives an empty answer with a median of NaN.
pub fn modified_z_scores(values: &[f64]) -> (f64, f64, Scale, Vec<f64>) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN, Scale::NoSpread, Vec::new());
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = median_sorted(&sorted);
    let mut dev: Vec<f64> = values.iter().map(|x| (x - median).abs()).collect();
    let mean_dev = dev.iter().sum::<f64>() / dev.len() as f64;
    dev.sort_by(f64::total_cmp);
    let mad = median_sorted(&dev);
    let (scale, z): (Scale, Box<dyn Fn(f64) -> f64>) = if mad > 0.0 {
        (Scale::Mad, Box::new(|x| 0.6745 * (x - median) / mad))
    } else if mean_dev > 0.0 {
        (
            Scale::MeanAbsoluteDeviation,
            Box::new(|x| (x - median) / (1.253314 * mean_dev)),
        )
    } else {
        (Scale::NoSpread, Box::new(|_| 0.0))
    };
    let scores = values.iter().map(|&x| z(x)).collect();
    (median, mad, scale, scores)
}

/// Each employer's peer group code: the setting type (or employing sector) of the
/// settings holding most of its posts; an employer without posts goes by its settings;
/// ties go to the code listed first.
pub(super) fn peer_of(cube: &Cube, group: PeerGroup) -> Vec<String> {
    let s = &cube.settings;
    let (col, list) = match group {
        PeerGroup::SettingType => (&s.setting_type, &codes().setting_types),
        PeerGroup::EmployingSector => (&s.employing_sector, &codes().employing_sector),
    };
    let slots = list.len() + 1;
    // Per employer and code: (posts, settings).
    let mut tally = vec![(0u64, 0u64); cube.employers.len() * slots];
    for i in 0..s.id.len() {
        tally[s.employer[i] as usize * slots + (col[i] as usize).min(list.len())].1 += 1;
    }
    for &setting in &cube.workers.setting {
        let i = setting as usize;
        tally[s.employer[i] as usize * slots + (col[i] as usize).min(list.len())].0 += 1;
    }
    (0..cube.employers.len())
        .map(|e| {
            let counts = &tally[e * slots..(e + 1) * slots];
            let best = (0..slots)
                .rev()
                .max_by_key(|&c| counts[c])
                .expect("at least one slot");
            if best < list.len() {
                list.code(best).to_string()
            } else {
                crate::dims::NOT_KNOWN.to_string()
            }
        })
        .collect()
}

/// Scores every employer's figure for each configured measure within its peer group.
/// Rows come by measure (in the configured order), peer group, then employer.
pub fn outliers(cube: &Cube, config: &OutlierConfig) -> Result<Vec<OutlierRow>, AnalysisError> {
    let peers = peer_of(cube, config.peer_group);
    let areas = employer_areas(cube);
    let mut out = Vec::new();
    for measure in &config.measures {
        let figures = by_employer(cube, measure)?;
        // Peer group -> rows of its employers.
        let mut groups: BTreeMap<&str, Vec<OutlierRow>> = BTreeMap::new();
        for (e, employer) in cube.employers.iter().enumerate() {
            let row = figures.get(employer);
            let value = row.and_then(|r| r.value);
            let basis = row.map_or(0, |r| r.basis);
            let status = if value.is_none() {
                OutlierStatus::NoValue
            } else if basis < config.min_basis {
                OutlierStatus::TooFewCases
            } else {
                // Scored below, unless the peer group is too small.
                OutlierStatus::FewPeers
            };
            groups.entry(&peers[e]).or_default().push(OutlierRow {
                measure: measure.trim().to_string(),
                peer_group: config.peer_group,
                peer: peers[e].clone(),
                employer: employer.clone(),
                areas: areas.get(employer).cloned().unwrap_or_default(),
                value,
                numerator: row.and_then(|r| r.numerator),
                denominator: row.and_then(|r| r.denominator),
                basis,
                status,
                peers: 0,
                median: None,
                mad: None,
                scale: None,
                z: None,
            });
        }
        for mut rows in groups.into_values() {
            score_group(&mut rows, config);
            rows.sort_by(|a, b| a.employer.cmp(&b.employer));
            out.extend(rows);
        }
    }
    Ok(out)
}

/// Scores the scorable rows of one peer group (status `FewPeers` on entry).
fn score_group(rows: &mut [OutlierRow], config: &OutlierConfig) {
    let scorable: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].status == OutlierStatus::FewPeers)
        .collect();
    for r in rows.iter_mut() {
        r.peers = scorable.len();
    }
    if scorable.len() < config.min_peers.max(1) {
        return;
    }
    let values: Vec<f64> = scorable
        .iter()
        .map(|&i| rows[i].value.unwrap_or(0.0))
        .collect();
    let (median, mad, scale, z) = modified_z_scores(&values);
    for r in rows.iter_mut() {
        r.median = Some(median);
        r.mad = Some(mad);
        r.scale = Some(scale);
    }
    for (&i, z) in scorable.iter().zip(z) {
        rows[i].z = Some(z);
        rows[i].status = if z.abs() > config.threshold {
            OutlierStatus::Outlier
        } else {
            OutlierStatus::Within
        };
    }
}
