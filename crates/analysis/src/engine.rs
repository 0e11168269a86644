//! The engine under a query: select one cube's rows by the filters, group them by the
//! breakdowns (mixed-radix keys over the code columns, no hashing in the common case),
//! and aggregate each measure. Labels and ordering are the query's business.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

use observatory_domain::codes;
use observatory_domain::rules::{AGE_BANDS, age_band};

use crate::AnalysisError;
use crate::cellkey::{Records, Tally};
use crate::cube::{Col, Cube, FxBuild, NO_LINK, NO_PAY};
use crate::dims::{Dim, Table, card, is_known, value_list};
use crate::measures::{Def, LeaverPred, MeasureKind, PersonPred, PostPred, Versus};
use crate::population::{PopulationProfile, ProfileUse};

/// A figure before labelling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cell {
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub basis: u64,
    /// The records behind it, for the cell key method.
    pub records: Records,
}

/// A count (or a sum over the records `of`).
fn count_cell(x: f64, basis: u64, of: Tally) -> Cell {
    Cell {
        value: Some(x),
        numerator: Some(x),
        denominator: None,
        basis,
        records: Records {
            num: of,
            ..Records::default()
        },
    }
}

fn rate_cell(num: f64, den: f64, basis: u64, (n, d): (Tally, Tally)) -> Cell {
    Cell {
        value: (den > 0.0).then(|| num / den),
        numerator: Some(num),
        denominator: Some(den),
        basis,
        records: Records {
            num: n,
            den: d,
            ..Records::default()
        },
    }
}

fn statistic_cell(x: f64, basis: u64, of: Tally) -> Cell {
    Cell {
        value: Some(x),
        numerator: None,
        denominator: None,
        basis,
        records: Records {
            num: of,
            ..Records::default()
        },
    }
}

/// One cube's figures: group `i` has codes `codes[i * width..][..width]` (one per
/// breakdown, in order) and figure `cells[i]`. Flat, so millions of groups cost no
/// per-group allocation.
#[derive(Debug, Default)]
pub(crate) struct Figures {
    pub width: usize,
    pub codes: Vec<u32>,
    pub cells: Vec<Cell>,
}

impl Figures {
    fn new(width: usize) -> Figures {
        Figures {
            width,
            ..Figures::default()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    pub(crate) fn key(&self, i: usize) -> &[u32] {
        &self.codes[i * self.width..(i + 1) * self.width]
    }

    /// The same figures without breakdown `pos` (whose value must be one per figure
    /// set, e.g. a group given by a single filter value).
    fn drop_column(self, pos: usize) -> Figures {
        let mut out = Figures::new(self.width - 1);
        for i in 0..self.len() {
            let k = self.key(i);
            out.codes.extend_from_slice(&k[..pos]);
            out.codes.extend_from_slice(&k[pos + 1..]);
        }
        out.cells = self.cells;
        out
    }
}

/// Rows of one table grouped by the breakdowns: row `row(j)` is in group `gid[j]`, and
/// `reps[g]` is a row of group `g` (`u32::MAX` for an empty group) from which the
/// group's codes are read back. `rows` is `None` when every row is selected, which
/// spares a list of millions of row numbers.
struct Groups<'a> {
    cols: Vec<Col<'a>>,
    rows: Option<Vec<u32>>,
    gid: Vec<u64>,
    reps: Vec<u32>,
}

impl Groups<'_> {
    fn n(&self) -> usize {
        self.reps.len()
    }

    #[inline]
    fn row(&self, j: usize) -> usize {
        match &self.rows {
            Some(r) => r[j] as usize,
            None => j,
        }
    }

    /// Calls `f(row, group)` for every selected row, in row order.
    #[inline]
    fn each(&self, mut f: impl FnMut(usize, usize)) {
        match &self.rows {
            Some(rows) => {
                for (&r, &g) in rows.iter().zip(&self.gid) {
                    f(r as usize, g as usize)
                }
            }
            None => {
                for (r, &g) in self.gid.iter().enumerate() {
                    f(r, g as usize)
                }
            }
        }
    }

    /// Appends group `g`'s codes.
    fn push_codes(&self, g: usize, out: &mut Vec<u32>) {
        let r = self.reps[g] as usize;
        out.extend(self.cols.iter().map(|c| c.code(r)));
    }

    /// Groups holding at least one row.
    fn present(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.n()).filter(|&g| self.reps[g] != u32::MAX)
    }

    /// The figures of the groups present, one cell per group.
    fn figures(&self, mut cell: impl FnMut(usize) -> Option<Cell>) -> Figures {
        let mut out = Figures::new(self.cols.len());
        for g in self.present() {
            if let Some(c) = cell(g) {
                self.push_codes(g, &mut out.codes);
                out.cells.push(c);
            }
        }
        out
    }

    /// Per-group sums of the groups present, flat as in [`Figures`].
    fn partial<const K: usize>(&self, acc: &[[u64; K]]) -> (Vec<u32>, Vec<[u64; K]>) {
        let mut codes = Vec::new();
        let mut vals = Vec::new();
        for g in self.present() {
            self.push_codes(g, &mut codes);
            vals.push(acc[g]);
        }
        (codes, vals)
    }
}

/// Replaces keys by dense numbers in order of first appearance; returns how many.
fn renumber(keys: &mut [u64]) -> u64 {
    let mut map: HashMap<u64, u64, FxBuild> = HashMap::default();
    for k in keys.iter_mut() {
        let next = map.len() as u64;
        *k = *map.entry(*k).or_insert(next);
    }
    map.len() as u64
}

/// Selects the rows of `table` that pass the filters (and `keep`), and groups them.
fn group<'a>(
    cube: &'a Cube,
    table: Table,
    dims: &[Dim],
    masks: &[(Dim, Vec<bool>)],
    keep: Option<&dyn Fn(usize) -> bool>,
) -> Result<Groups<'a>, AnalysisError> {
    let col = |dim: Dim| {
        cube.col(table, dim)
            .ok_or_else(|| AnalysisError::NotBrokenDown {
                measure: "this measure".into(),
                breakdown: dim.name().into(),
                records: table.noun().into(),
            })
    };
    let n = cube.len(table);
    let mut rows: Option<Vec<u32>> = None;
    let mut narrow = |test: &dyn Fn(usize) -> bool| match &mut rows {
        Some(r) => r.retain(|&i| test(i as usize)),
        None => rows = Some((0..n as u32).filter(|&i| test(i as usize)).collect()),
    };
    for (dim, allowed) in masks {
        let c = col(*dim)?;
        narrow(&|i| allowed[c.code(i) as usize]);
    }
    if let Some(keep) = keep {
        narrow(keep);
    }
    let cols = dims
        .iter()
        .map(|&d| col(d))
        .collect::<Result<Vec<_>, _>>()?;
    let selected = rows.as_ref().map_or(n, Vec::len);

    // Mixed-radix keys, one digit per breakdown. When the product of the code counts
    // grows too large the keys are renumbered densely first, so nothing overflows.
    let mut keys = vec![0u64; selected];
    let mut product: u64 = 1;
    for c in &cols {
        let radix = c.card.max(1) as u64;
        if product.checked_mul(radix).is_none_or(|p| p > 1 << 40) {
            product = renumber(&mut keys).max(1);
        }
        c.fold(rows.as_deref(), &mut keys);
        product *= radix;
    }
    // Dense per-group arrays when they stay small, else number the groups present.
    let dense_limit = (selected as u64 * 4).clamp(4096, 1 << 20);
    if product > dense_limit {
        product = renumber(&mut keys).max(1);
    }
    let mut g = Groups {
        cols,
        rows,
        gid: keys,
        reps: Vec::new(),
    };
    let mut reps = vec![u32::MAX; product as usize];
    g.each(|r, k| {
        if reps[k] == u32::MAX {
            reps[k] = r as u32;
        }
    });
    g.reps = reps;
    Ok(g)
}

/// Sums K per-row quantities per group.
fn sums<const K: usize>(g: &Groups, f: impl Fn(usize) -> [u64; K]) -> Vec<[u64; K]> {
    let mut acc = vec![[0u64; K]; g.n()];
    g.each(|r, k| {
        let v = f(r);
        let a = &mut acc[k];
        for i in 0..K {
            a[i] += v[i];
        }
    });
    acc
}

/// Codes the tests on a person's posts need, resolved once per query.
struct Known {
    male: u8,
    female: u8,
    gender_nk: u8,
    group_of: Vec<u8>,
    white: u8,
    group_nk: u8,
    disabled: u8,
    disability_nk: u8,
    achieved: u8,
    working_towards: u8,
    levels: u8,
    band_55: u8,
    bands: u8,
    agency: u8,
    volunteer: u8,
    retirement: u8,
    outside: u8,
}

impl Known {
    fn new() -> Known {
        let c = codes();
        let k = &c.known;
        Known {
            male: k.male as u8,
            female: k.female as u8,
            gender_nk: k.gender_not_known as u8,
            group_of: c.ethnic_group_of.iter().map(|&g| g as u8).collect(),
            white: k.ethnic_group_white as u8,
            group_nk: k.ethnic_group_not_known as u8,
            disabled: c.disability.must("yes") as u8,
            disability_nk: k.disability_not_known as u8,
            achieved: k.achieved as u8,
            working_towards: k.working_towards as u8,
            levels: c.qualification_level.len() as u8,
            band_55: age_band(55) as u8,
            bands: AGE_BANDS.len() as u8,
            agency: k.agency as u8,
            volunteer: k.volunteer as u8,
            retirement: k.retirement as u8,
            outside: k.outside_childrens_workforce as u8,
        }
    }

    /// A person test on one post, as column lookups.
    fn person<'a>(&self, cube: &'a Cube, p: PersonPred) -> Test<'a> {
        let w = &cube.workers;
        let only = |codes: &[u8]| mask(|c| codes.contains(&c));
        let not = |code: u8| mask(|c| c != code);
        let groups = |ok: &dyn Fn(u8) -> bool| {
            mask(|c| self.group_of.get(c as usize).is_some_and(|&g| ok(g)))
        };
        let levels_from = |at: u8| mask(|c| c >= at && c < self.levels);
        match p {
            PersonPred::All => Test::one(&w.gender, ALL),
            PersonPred::Male => Test::one(&w.gender, only(&[self.male])),
            PersonPred::Female => Test::one(&w.gender, only(&[self.female])),
            PersonPred::GenderKnown => Test::one(&w.gender, not(self.gender_nk)),
            PersonPred::GenderNotKnown => Test::one(&w.gender, only(&[self.gender_nk])),
            PersonPred::MinorityEthnic => Test::one(
                &w.ethnicity,
                groups(&|g| g != self.white && g != self.group_nk),
            ),
            PersonPred::EthnicGroupKnown => {
                Test::one(&w.ethnicity, groups(&|g| g != self.group_nk))
            }
            PersonPred::EthnicGroupNotKnown => {
                Test::one(&w.ethnicity, groups(&|g| g == self.group_nk))
            }
            PersonPred::Disabled => Test::one(&w.disability, only(&[self.disabled])),
            PersonPred::DisabilityKnown => Test::one(&w.disability, not(self.disability_nk)),
            PersonPred::DisabilityNotKnown => Test::one(&w.disability, only(&[self.disability_nk])),
            PersonPred::Age55Plus => {
                Test::one(&w.age_band, mask(|c| c >= self.band_55 && c < self.bands))
            }
            PersonPred::AchievedAtLeast(at) => Test::two(
                &w.qual_status,
                only(&[self.achieved]),
                &w.qual_level,
                levels_from(at),
            ),
            PersonPred::WorkingTowardsAtLeast(at) => Test::two(
                &w.qual_status,
                only(&[self.working_towards]),
                &w.qual_level,
                levels_from(at),
            ),
        }
    }

    fn post<'a>(&self, cube: &'a Cube, p: PostPred) -> Test<'a> {
        let w = &cube.workers;
        match p {
            PostPred::Stable => Test::one(&w.stable, mask(|c| c == 1)),
            PostPred::Agency => Test::one(&w.contract, mask(|c| c == self.agency)),
            PostPred::Recent => Test::one(&w.stable, mask(|c| c == 0)),
        }
    }

    fn leaver<'a>(&self, cube: &'a Cube, p: LeaverPred) -> Test<'a> {
        let l = &cube.leavers;
        let outside = mask(|c| c == self.outside);
        match p {
            LeaverPred::All => Test::one(&l.reason, ALL),
            LeaverPred::Wastage => Test::one(&l.destination, outside),
            LeaverPred::NonRetirementWastage => Test::two(
                &l.destination,
                outside,
                &l.reason,
                mask(|c| c != self.retirement),
            ),
        }
    }
}

/// Which codes of a `u8` column pass.
type Mask = [bool; 256];

const ALL: Mask = [true; 256];

fn mask(ok: impl Fn(u8) -> bool) -> Mask {
    std::array::from_fn(|c| ok(c as u8))
}

/// A test on one row as lookups in two code columns (both must pass): every measure's
/// "which rows count" is of this shape, and lookups keep the hot loops free of branches.
struct Test<'a> {
    a: &'a [u8],
    ma: Mask,
    b: &'a [u8],
    mb: Mask,
}

impl<'a> Test<'a> {
    fn one(a: &'a [u8], ma: Mask) -> Test<'a> {
        Test {
            a,
            ma,
            b: a,
            mb: ALL,
        }
    }

    fn two(a: &'a [u8], ma: Mask, b: &'a [u8], mb: Mask) -> Test<'a> {
        Test { a, ma, b, mb }
    }

    #[inline]
    fn pass(&self, i: usize) -> bool {
        self.ma[self.a[i] as usize] & self.mb[self.b[i] as usize]
    }
}

/// The p-quantile by linear interpolation between closest ranks (Hyndman and Fan
/// type 7; Excel QUARTILE.INC, R and numpy defaults): h = (n - 1) p, value =
/// x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]). The median of an even count
/// is thus the mean of the two middle values. Uses selection, not a full sort.
pub(crate) fn quantile(v: &mut [u32], p: f64) -> Option<f64> {
    quantile_by(v, p, Ord::cmp, |x| x as f64)
}

/// As [`quantile`], over figures (benchmark groups' per-member values).
pub(crate) fn quantile_f64(v: &mut [f64], p: f64) -> Option<f64> {
    quantile_by(v, p, f64::total_cmp, |x| x)
}

fn quantile_by<T: Copy>(
    v: &mut [T],
    p: f64,
    cmp: impl Fn(&T, &T) -> Ordering,
    to_f64: impl Fn(T) -> f64,
) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let (_, x_lo, upper) = v.select_nth_unstable_by(lo, &cmp);
    let x_lo = to_f64(*x_lo);
    match upper.iter().min_by(|a, b| cmp(a, b)) {
        Some(&x_hi) if frac > 0.0 => Some(x_lo + frac * (to_f64(x_hi) - x_lo)),
        _ => Some(x_lo),
    }
}

/// Distinct people per group: `[in den, in num, den's key sum, num's key sum]`. A person with several posts in
/// a group counts once, and counts in the denominator (numerator) if ANY of their posts
/// in the group passes its test. Relies on the workers being ordered by person, so a
/// person's selected posts are adjacent: no sort of (group, person) pairs is needed.
fn people(cube: &Cube, g: &Groups, k: &Known, den: PersonPred, num: PersonPred) -> Vec<[u64; 4]> {
    let (den, num) = (k.person(cube, den), k.person(cube, num));
    count_people(cube, g, |i| {
        (den.pass(i) as u8) | ((num.pass(i) as u8) << 1)
    })
}

/// As [`people`], with the tests given as `flags(row)`: bit 0 counts the person in the
/// denominator, bit 1 in the numerator. Lanes 2 and 3 sum the people's record keys.
fn count_people(cube: &Cube, g: &Groups, flags: impl Fn(usize) -> u8) -> Vec<[u64; 4]> {
    let person = &cube.workers.person;
    let keys = &cube.person_keys;
    let mut acc = vec![[0u64; 4]; g.n()];
    let add = |acc: &mut Vec<[u64; 4]>, grp: u64, f: u8, p: u32| {
        let a = &mut acc[grp as usize];
        let (d, n) = ((f & 1) as u64, (f >> 1) as u64);
        let key = keys[p as usize] as u64;
        a[0] += d;
        a[1] += n;
        a[2] += d * key;
        a[3] += n * key;
    };
    let total = g.gid.len();
    let mut buf: Vec<(u64, u8)> = Vec::new();
    let mut j = 0;
    while j < total {
        let r = g.row(j);
        let p = person[r];
        let mut end = j + 1;
        while end < total && person[g.row(end)] == p {
            end += 1;
        }
        if end == j + 1 {
            add(&mut acc, g.gid[j], flags(r), p);
        } else {
            buf.clear();
            buf.extend((j..end).map(|t| (g.gid[t], flags(g.row(t)))));
            buf.sort_unstable_by_key(|x| x.0);
            let mut t = 0;
            while t < buf.len() {
                let (grp, mut f) = buf[t];
                t += 1;
                while t < buf.len() && buf[t].0 == grp {
                    f |= buf[t].1;
                    t += 1;
                }
                add(&mut acc, grp, f, p);
            }
        }
        j = end;
    }
    acc
}

/// Pay values of the grouped rows, bucketed by group x `parts` (a sub-split such as
/// gender) with a counting sort: returns bucket starts and the values.
fn pay_buckets(
    cube: &Cube,
    g: &Groups,
    parts: usize,
    part: impl Fn(usize) -> usize,
) -> (Vec<usize>, Vec<u32>) {
    let pay = &cube.workers.pay;
    let mut start = vec![0usize; g.n() * parts + 1];
    g.each(|r, k| start[k * parts + part(r) + 1] += 1);
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut values = vec![0u32; g.gid.len()];
    g.each(|r, k| {
        let b = k * parts + part(r);
        values[fill[b]] = pay[r];
        fill[b] += 1;
    });
    (start, values)
}

/// Joins a numerator table's per-group sums to a denominator table's (groups in either
/// appear; a group missing from one side has zeros there).
fn join<const A: usize, const B: usize>(
    width: usize,
    a: (Vec<u32>, Vec<[u64; A]>),
    b: (Vec<u32>, Vec<[u64; B]>),
    cell: impl Fn([u64; A], [u64; B]) -> Cell,
) -> Figures {
    let key = |i: usize| i * width..(i + 1) * width;
    let mut index: HashMap<&[u32], usize, FxBuild> = HashMap::default();
    for i in 0..a.1.len() {
        index.insert(&a.0[key(i)], i);
    }
    let mut used = vec![false; a.1.len()];
    let mut out = Figures::new(width);
    for (i, &vb) in b.1.iter().enumerate() {
        let k = &b.0[key(i)];
        let va = match index.get(k) {
            Some(&ia) => {
                used[ia] = true;
                a.1[ia]
            }
            None => [0; A],
        };
        out.codes.extend_from_slice(k);
        out.cells.push(cell(va, vb));
    }
    for (ia, &va) in a.1.iter().enumerate() {
        if !used[ia] {
            out.codes.extend_from_slice(&a.0[key(ia)]);
            out.cells.push(cell(va, [0; B]));
        }
    }
    out
}

const HUNDRED: f64 = 100.0;

/// One cube's figures for a measure, broken down by `dims` (census_date excluded) over
/// the rows the filter masks allow.
pub(crate) fn compute(
    cube: &Cube,
    kind: MeasureKind,
    def: Def,
    dims: &[Dim],
    masks: &[(Dim, Vec<bool>)],
) -> Result<Figures, AnalysisError> {
    let k = Known::new();
    let w = &cube.workers;
    let l = &cube.leavers;
    let v = &cube.vacancies;
    let width = dims.len();
    // Per group: posts, fte, posts passing, fte passing, and the record keys of all
    // posts and of those passing.
    let worker_sums = |num: Option<PostPred>| -> Result<_, AnalysisError> {
        let g = group(cube, Table::Workers, dims, masks, None)?;
        let acc = match num {
            None => sums(&g, |i| [1, w.fte[i] as u64, 0, 0, w.key[i] as u64, 0]),
            Some(p) => {
                let test = k.post(cube, p);
                sums(&g, |i| {
                    let pass = test.pass(i) as u64;
                    let fte = w.fte[i] as u64;
                    let key = w.key[i] as u64;
                    [1, fte, pass, pass * fte, key, pass * key]
                })
            }
        };
        Ok((g, acc))
    };
    Ok(match def {
        Def::Posts => {
            let (g, acc) = worker_sums(None)?;
            g.figures(|i| {
                let [n, _, _, _, key, _] = acc[i];
                Some(count_cell(n as f64, n, Tally::of(n, key)))
            })
        }
        Def::Fte => {
            let (g, acc) = worker_sums(None)?;
            g.figures(|i| {
                let [n, f, _, _, key, _] = acc[i];
                Some(count_cell(f as f64 / HUNDRED, n, Tally::of(n, key)))
            })
        }
        Def::Starters => {
            let (g, acc) = worker_sums(Some(PostPred::Recent))?;
            g.figures(|i| {
                let [_, _, pn, _, _, pkey] = acc[i];
                Some(count_cell(pn as f64, pn, Tally::of(pn, pkey)))
            })
        }
        Def::PostRate { num, fte } => {
            let (g, acc) = worker_sums(Some(num))?;
            g.figures(|i| {
                let [n, f, pn, pf, key, pkey] = acc[i];
                let tallies = (Tally::of(pn, pkey), Tally::of(n, key));
                Some(if fte {
                    rate_cell(pf as f64 / HUNDRED, f as f64 / HUNDRED, n, tallies)
                } else {
                    rate_cell(pn as f64, n as f64, n, tallies)
                })
            })
        }
        Def::People { den, num } => {
            let g = group(cube, Table::Workers, dims, masks, None)?;
            let acc = people(cube, &g, &k, den, num);
            g.figures(|i| {
                let [d, n, dkey, nkey] = acc[i];
                let (tn, td) = (Tally::of(n, nkey), Tally::of(d, dkey));
                Some(if kind == MeasureKind::Count {
                    count_cell(d as f64, d, td)
                } else {
                    rate_cell(n as f64, d as f64, d, (tn, td))
                })
            })
        }
        Def::Pay(stat) => {
            let eligible = |i: usize| w.pay[i] != NO_PAY && w.contract[i] != k.volunteer;
            let g = group(cube, Table::Workers, dims, masks, Some(&eligible))?;
            let (start, mut values) = pay_buckets(cube, &g, 1, |_| 0);
            let keys = sums(&g, |i| [w.key[i] as u64]);
            g.figures(|i| {
                let slice = &mut values[start[i]..start[i + 1]];
                let n = slice.len() as u64;
                quantile(slice, stat.p()).map(|x| statistic_cell(x, n, Tally::of(n, keys[i][0])))
            })
        }
        Def::GenderPayGap => {
            let eligible = |i: usize| {
                w.pay[i] != NO_PAY
                    && w.contract[i] != k.volunteer
                    && (w.gender[i] == k.male || w.gender[i] == k.female)
            };
            let g = group(cube, Table::Workers, dims, masks, Some(&eligible))?;
            let (start, mut values) =
                pay_buckets(cube, &g, 2, |i| (w.gender[i] == k.female) as usize);
            let keys = sums(&g, |i| {
                let key = w.key[i] as u64;
                if w.gender[i] == k.female {
                    [0, key]
                } else {
                    [key, 0]
                }
            });
            g.figures(|i| {
                let (m0, m1, f1) = (start[2 * i], start[2 * i + 1], start[2 * i + 2]);
                let (men, women) = values[m0..f1].split_at_mut(m1 - m0);
                let basis = men.len().min(women.len()) as u64;
                let records = Records {
                    num: Tally::of(men.len() as u64, keys[i][0]),
                    den: Tally::of(women.len() as u64, keys[i][1]),
                    ..Records::default()
                };
                Some(match (quantile(men, 0.5), quantile(women, 0.5)) {
                    (Some(mm), Some(mf)) if mm > 0.0 => Cell {
                        value: Some((mm - mf) / mm),
                        numerator: Some(mm - mf),
                        denominator: Some(mm),
                        basis,
                        records,
                    },
                    _ => Cell {
                        value: None,
                        numerator: None,
                        denominator: None,
                        basis,
                        records,
                    },
                })
            })
        }
        Def::Vacancies | Def::HardToFillShare => {
            let g = group(cube, Table::Vacancies, dims, masks, None)?;
            let acc = sums(&g, |i| {
                let n = v.posts[i] as u64;
                let h = v.hard_to_fill[i] as u64;
                let key = v.key[i] as u64;
                [n, n * h, key, key * h]
            });
            g.figures(|i| {
                let [n, h, key, hkey] = acc[i];
                let all = Tally::of(n, key);
                Some(if def == Def::Vacancies {
                    count_cell(n as f64, n, all)
                } else {
                    rate_cell(h as f64, n as f64, n, (Tally::of(h, hkey), all))
                })
            })
        }
        Def::VacancyRate => {
            let g = group(cube, Table::Vacancies, dims, masks, None)?;
            let vac = g.partial(&sums(&g, |i| [v.posts[i] as u64, v.key[i] as u64]));
            let (gw, acc) = worker_sums(None)?;
            join(
                width,
                vac,
                gw.partial(&acc),
                |[vn, vkey], [posts, _, _, _, key, _]| {
                    let den = posts + vn;
                    let tallies = (Tally::of(vn, vkey), Tally::of(den, vkey + key));
                    rate_cell(vn as f64, den as f64, den, tallies)
                },
            )
        }
        Def::Leavers => {
            let g = group(cube, Table::Leavers, dims, masks, None)?;
            let acc = sums(&g, |i| [1, l.key[i] as u64]);
            g.figures(|i| {
                let [n, key] = acc[i];
                Some(count_cell(n as f64, n, Tally::of(n, key)))
            })
        }
        Def::LeaverRate { num, fte } => {
            let g = group(cube, Table::Leavers, dims, masks, None)?;
            let test = k.leaver(cube, num);
            let left = g.partial(&sums(&g, |i| {
                let pass = test.pass(i) as u64;
                [pass, pass * l.fte[i] as u64, pass * l.key[i] as u64]
            }));
            let (gw, acc) = worker_sums(None)?;
            join(
                width,
                left,
                gw.partial(&acc),
                |[ln, lf, lkey], [posts, wf, _, _, key, _]| {
                    let tallies = (Tally::of(ln, lkey), Tally::of(posts, key));
                    if fte {
                        rate_cell(lf as f64 / HUNDRED, wf as f64 / HUNDRED, posts, tallies)
                    } else {
                        rate_cell(ln as f64, posts as f64, posts, tallies)
                    }
                },
            )
        }
        Def::GroupRatio(_) | Def::ObservedWastage => {
            return Err(AnalysisError::NeedsMore(
                "this measure is answered by run_query, which gives it what it compares".into(),
            ));
        }
    })
}

/// Distinct people per group of `dims` over the rows passing the filters and `keep`:
/// the groups' codes (flat, `dims.len()` a group) and counts.
fn group_people(
    cube: &Cube,
    dims: &[Dim],
    masks: &[(Dim, Vec<bool>)],
    keep: Option<&dyn Fn(usize) -> bool>,
) -> Result<(Vec<u32>, Vec<Tally>), AnalysisError> {
    let g = group(cube, Table::Workers, dims, masks, keep)?;
    let (codes, counts) = g.partial(&count_people(cube, &g, |_| 1));
    Ok((
        codes,
        counts
            .into_iter()
            .map(|[n, _, key, _]| Tally::of(n, key))
            .collect(),
    ))
}

/// Per context (a group of `dims` without position `gpos`, whose breakdown is the
/// person-group one): `[all people, people with a known value of that breakdown]`.
fn context_people(
    cube: &Cube,
    dims: &[Dim],
    gpos: usize,
    masks: &[(Dim, Vec<bool>)],
    keep: Option<&dyn Fn(usize) -> bool>,
) -> Result<HashMap<Vec<u32>, [Tally; 2], FxBuild>, AnalysisError> {
    let gdim = dims[gpos];
    let ctx: Vec<Dim> = dims
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != gpos)
        .map(|(_, &d)| d)
        .collect();
    let known: Vec<bool> = (0..card(gdim)).map(|c| is_known(gdim, c)).collect();
    let col = cube
        .col(Table::Workers, gdim)
        .expect("workers carry every person-group breakdown");
    let g = group(cube, Table::Workers, &ctx, masks, keep)?;
    let (codes, counts) = g.partial(&count_people(cube, &g, |i| {
        1 | ((known[col.code(i) as usize] as u8) << 1)
    }));
    let w = ctx.len();
    Ok(counts
        .into_iter()
        .enumerate()
        .map(|(i, [all, known, all_key, known_key])| {
            (
                codes[i * w..(i + 1) * w].to_vec(),
                [Tally::of(all, all_key), Tally::of(known, known_key)],
            )
        })
        .collect())
}

/// A group's key without the person-group breakdown: its context's key.
fn context_key(key: &[u32], gpos: usize) -> Vec<u32> {
    let mut k = key.to_vec();
    k.remove(gpos);
    k
}

/// What a group-share comparison needs besides the cube.
pub(crate) struct Comparison<'a> {
    pub versus: Versus,
    /// The breakdowns computed, the person-group breakdown among them at `gpos`.
    pub dims: &'a [Dim],
    pub gpos: usize,
    /// Filters, without those on the group breakdown (they pick groups, not people).
    pub masks: &'a [(Dim, Vec<bool>)],
    /// Which group codes to report (`None`: all).
    pub groups: Option<&'a [bool]>,
    /// Drop the group breakdown from the keys (it was given as a single filter value).
    pub drop_group: bool,
    pub profile: &'a PopulationProfile,
    /// The area whose profile applies when the rows are not broken down by area.
    pub area: Option<&'a str>,
}

/// `num / den`, or `None` when `den` is 0.
fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// representation_ratio and leadership_gap for one cube. Each row is one group in its
/// context (the other breakdowns). For a known group: the group's share of the people
/// with a known value, compared with its share of the population (representation) or
/// with the same share among leaders (leadership: leaders' share / workforce share).
/// For the not_known group: its share of everyone, which has no population counterpart
/// (representation: no ratio) or is compared as leaders' / everyone's (leadership).
/// `uses` collects which population profile answered for each area.
pub(crate) fn compute_comparison(
    cube: &Cube,
    c: &Comparison,
    uses: &mut BTreeSet<ProfileUse>,
) -> Result<Figures, AnalysisError> {
    let width = c.dims.len();
    let gdim = c.dims[c.gpos];
    let (keys, counts) = group_people(cube, c.dims, c.masks, None)?;
    let contexts = context_people(cube, c.dims, c.gpos, c.masks, None)?;
    // leadership_gap: the same among leaders (levels 5-6).
    let leaders = match c.versus {
        Versus::Population => None,
        Versus::Leaders => {
            let col = cube
                .col(Table::Workers, Dim::Leader)
                .expect("workers carry the leader breakdown");
            let yes = codes().yes_no.must("yes") as u32;
            let is_leader = |i: usize| col.code(i) == yes;
            let (lkeys, lcounts) = group_people(cube, c.dims, c.masks, Some(&is_leader))?;
            let groups: HashMap<Vec<u32>, Tally, FxBuild> = lcounts
                .into_iter()
                .enumerate()
                .map(|(i, n)| (lkeys[i * width..(i + 1) * width].to_vec(), n))
                .collect();
            let ctx = context_people(cube, c.dims, c.gpos, c.masks, Some(&is_leader))?;
            Some((groups, ctx))
        }
    };
    let area_pos = c.dims.iter().position(|&d| d == Dim::Area);
    let labels = value_list(gdim).unwrap_or(&[]);
    let mut out = Figures::new(width);
    for (i, &n) in counts.iter().enumerate() {
        let key = &keys[i * width..(i + 1) * width];
        let g = key[c.gpos];
        if c.groups.is_some_and(|allowed| !allowed[g as usize]) {
            continue;
        }
        let is_known_group = is_known(gdim, g);
        let ctx_key = context_key(key, c.gpos);
        // A share's denominator: people with a known value, or everyone for not_known.
        let of = |ctx: Option<&[Tally; 2]>| {
            ctx.map_or(
                Tally::default(),
                |&[all, known]| {
                    if is_known_group { known } else { all }
                },
            )
        };
        let base_tally = of(contexts.get(&ctx_key));
        let base = base_tally.n;
        let share = ratio(n.n as f64, base as f64);
        let cell = match &leaders {
            None => {
                let population = if is_known_group {
                    let area = match area_pos {
                        Some(p) => Some(cube.label(Dim::Area, key[p])),
                        None => c.area.map(str::to_string),
                    };
                    let (used, shares) = c.profile.resolve(area.as_deref(), gdim);
                    uses.insert(ProfileUse {
                        area,
                        dimension: gdim.name().to_string(),
                        profile: used,
                    });
                    shares.and_then(|s| labels.get(g as usize).and_then(|l| s.get(l)).copied())
                } else {
                    None
                };
                Cell {
                    value: share.zip(population).and_then(|(w, p)| ratio(w, p)),
                    numerator: share,
                    denominator: population,
                    basis: base,
                    records: Records {
                        num: n,
                        den: base_tally,
                        versus: None,
                    },
                }
            }
            Some((groups, ctx)) => {
                let lead_base = of(ctx.get(&ctx_key));
                let lead_n = groups.get(key).copied().unwrap_or_default();
                let lead_share = ratio(lead_n.n as f64, lead_base.n as f64);
                Cell {
                    value: lead_share.zip(share).and_then(|(l, w)| ratio(l, w)),
                    numerator: lead_share,
                    denominator: share,
                    basis: lead_base.n,
                    records: Records {
                        num: lead_n,
                        den: lead_base,
                        versus: Some((n, base_tally)),
                    },
                }
            }
        };
        out.codes.extend_from_slice(key);
        out.cells.push(cell);
    }
    Ok(if c.drop_group {
        out.drop_column(c.gpos)
    } else {
        out
    })
}

/// observed_wastage_rate at `cur`'s census date, over `prev`'s people and places:
/// people at `prev` whose link key is in no return at `cur`, out of people at `prev`,
/// both counting only people with a person_id (no link key, nothing to follow) at
/// employers that made a return at both dates (so an employer that has not returned
/// yet does not pass for all its staff leaving). Broken down by where people were at
/// `prev`; a person with several posts in a group counts once.
pub(crate) fn compute_observed_wastage(
    prev: &Cube,
    cur: &Cube,
    dims: &[Dim],
    masks: &[(Dim, Vec<bool>)],
) -> Result<Figures, AnalysisError> {
    let present: HashSet<u64, FxBuild> = cur
        .links
        .iter()
        .copied()
        .filter(|&l| l != NO_LINK)
        .collect();
    let returned: HashSet<&str> = cur.employers.iter().map(String::as_str).collect();
    let setting_returned: Vec<bool> = prev
        .settings
        .employer
        .iter()
        .map(|&e| returned.contains(prev.employers[e as usize].as_str()))
        .collect();
    let absent: Vec<u8> = prev
        .links
        .iter()
        .map(|l| (*l != NO_LINK && !present.contains(l)) as u8)
        .collect();
    let w = &prev.workers;
    let keep = |i: usize| {
        setting_returned[w.setting[i] as usize] && prev.links[w.person[i] as usize] != NO_LINK
    };
    let g = group(prev, Table::Workers, dims, masks, Some(&keep))?;
    let acc = count_people(prev, &g, |i| 1 | (absent[w.person[i] as usize] << 1));
    Ok(g.figures(|i| {
        let [d, n, dkey, nkey] = acc[i];
        Some(rate_cell(
            n as f64,
            d as f64,
            d,
            (Tally::of(n, nkey), Tally::of(d, dkey)),
        ))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_and_even_medians_average() {
        // Sorted 10, 20, 30, 40: h = 1.5 -> 20 + 0.5 * 10 = 25, the mean of the middle two.
        assert_eq!(quantile(&mut [40, 10, 30, 20], 0.5), Some(25.0));
        // Odd count: the middle value.
        assert_eq!(quantile(&mut [3, 1, 2], 0.5), Some(2.0));
        // Lower quartile of 10..40: h = 0.75 -> 10 + 0.75 * 10 = 17.5.
        assert_eq!(quantile(&mut [40, 10, 30, 20], 0.25), Some(17.5));
        // Upper quartile: h = 2.25 -> 30 + 0.25 * 10 = 32.5.
        assert_eq!(quantile(&mut [40, 10, 30, 20], 0.75), Some(32.5));
        assert_eq!(quantile(&mut [7], 0.75), Some(7.0));
        assert_eq!(quantile(&mut [], 0.5), None);
    }
}
