//! Tests of disclosure control: hand-worked tables with known suppressions and ranges,
//! then many seeded random tables (two and three breakdowns, many small counts, counts,
//! rates and headcounts, linked tables, a hierarchy) on which the auditor must find
//! nothing after protection, and must find the cell given away when a complementary
//! suppression is taken back.

use super::linked::{LinkedTable, Status, link};
use super::secondary::complete_relations;
use super::*;
use crate::audit::{FindingKind, audit, audit_tables, feasible_ranges};
use crate::measures::MeasureKind;

/// xorshift64*: a tiny seeded generator, so every run sees the same tables.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A count: often below the threshold, sometimes zero, sometimes large.
    fn count(&mut self) -> u64 {
        match self.below(10) {
            0..=2 => self.below(5),
            3..=7 => 5 + self.below(30),
            _ => 30 + self.below(300),
        }
    }
}

fn row(keys: &[String], num: f64, den: Option<f64>, basis: u64) -> ResultRow {
    ResultRow {
        keys: keys.to_vec(),
        value: match den {
            Some(d) => (d > 0.0).then(|| num / d),
            None => Some(num),
        },
        numerator: Some(num),
        denominator: den,
        basis,
        suppressed: false,
        estimated: false,
        records: None,
    }
}

/// A full table over `sizes` codes per breakdown with every margin. `cell` gives the
/// (numerator, denominator) of an interior cell; `margin` combines the parts of a
/// margin (the sum, or less for headcounts).
fn lattice(
    measure: &str,
    kind: MeasureKind,
    by: &[&str],
    sizes: &[usize],
    mut cell: impl FnMut(&[usize]) -> (u64, Option<u64>),
    margin: impl Fn(&[u64]) -> u64,
) -> QueryResult {
    // Every coordinate vector, TOTAL as the extra index `size`.
    let mut interior: Vec<(Vec<usize>, u64, Option<u64>)> = Vec::new();
    let mut idx = vec![0usize; sizes.len()];
    loop {
        let (n, d) = cell(&idx);
        interior.push((idx.clone(), n, d));
        let mut k = 0;
        while k < sizes.len() {
            idx[k] += 1;
            if idx[k] < sizes[k] {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
        if k == sizes.len() {
            break;
        }
    }
    let mut rows = Vec::new();
    for mask in 0u32..(1 << sizes.len()) {
        // Group interior cells by their coordinates outside the mask.
        let mut groups: Vec<(Vec<usize>, Vec<u64>, Vec<u64>)> = Vec::new();
        for (c, n, d) in &interior {
            let key: Vec<usize> = c
                .iter()
                .enumerate()
                .map(|(k, &v)| if mask & (1 << k) != 0 { usize::MAX } else { v })
                .collect();
            match groups.iter_mut().find(|g| g.0 == key) {
                Some(g) => {
                    g.1.push(*n);
                    g.2.push(d.unwrap_or(0));
                }
                None => groups.push((key, vec![*n], vec![d.unwrap_or(0)])),
            }
        }
        for (key, ns, ds) in groups {
            let keys: Vec<String> = key
                .iter()
                .enumerate()
                .map(|(k, &v)| {
                    if v == usize::MAX {
                        TOTAL_KEY.to_string()
                    } else {
                        format!("{}{v}", by[k])
                    }
                })
                .collect();
            let n = if mask == 0 { ns[0] } else { margin(&ns) };
            let r = match kind {
                MeasureKind::Rate => {
                    let d = if mask == 0 { ds[0] } else { margin(&ds) };
                    row(&keys, n as f64, Some(d as f64), d)
                }
                _ => row(&keys, n as f64, None, n),
            };
            rows.push(r);
        }
    }
    result(
        measure,
        kind,
        by.iter().map(|s| s.to_string()).collect(),
        rows,
    )
}

/// A result with these fields; the others (series breaks and the like) as a plain
/// query leaves them.
fn result(measure: &str, kind: MeasureKind, by: Vec<String>, rows: Vec<ResultRow>) -> QueryResult {
    static TEMPLATE: std::sync::OnceLock<QueryResult> = std::sync::OnceLock::new();
    let mut r = TEMPLATE
        .get_or_init(|| {
            let q = Query {
                measure: "posts".into(),
                by: vec![],
                filters: vec![],
            };
            run_query(&[&crate::tests::census_2025()], &q).unwrap()
        })
        .clone();
    r.measure = measure.into();
    r.kind = kind;
    r.by = by;
    r.rows = rows;
    r
}

fn sum(parts: &[u64]) -> u64 {
    parts.iter().sum()
}

fn find<'a>(r: &'a QueryResult, keys: &[&str]) -> &'a ResultRow {
    r.rows
        .iter()
        .find(|row| row.keys.iter().zip(keys).all(|(a, b)| a == b))
        .unwrap_or_else(|| panic!("no row {keys:?}"))
}

/// The hand-worked 3x3 table of the tests below.
///
/// ```text
///         s0  s1  s2 |   T
///   a0    20   2  30 |  52
///   a1    15  25  10 |  50
///   a2    40  35  12 |  87
///   T     75  62  52 | 189
/// ```
fn three_by_three() -> QueryResult {
    let v = [[20, 2, 30], [15, 25, 10], [40, 35, 12]];
    lattice(
        "posts",
        MeasureKind::Count,
        &["a", "s"],
        &[3, 3],
        |c| (v[c[0]][c[1]], None),
        sum,
    )
}

/// The keys of the suppressed rows, sorted.
fn suppressed_keys(r: &QueryResult) -> Vec<Vec<String>> {
    let mut k: Vec<Vec<String>> = r
        .rows
        .iter()
        .filter(|row| row.suppressed)
        .map(|row| row.keys.clone())
        .collect();
    k.sort();
    k
}

fn keys(k: &[&[&str]]) -> Vec<Vec<String>> {
    k.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn three_by_three_gets_the_cheapest_box() {
    // The primary cell (a0, s1) = 2 needs a box of suppressed cells able to shift by
    // at least 5. Boxes with another area and sector (cost = the three other corners):
    //   (a1, s0): 20 + 25 + 15 = 60    (a1, s2): 30 + 25 + 10 = 65
    //   (a2, s0): 20 + 35 + 40 = 95    (a2, s2): 30 + 35 + 12 = 77
    // and any box through a margin costs at least 62 (the column total) plus more.
    // The cheapest is (a1, s0): suppress (a0, s0), (a1, s0) and (a1, s1). The box
    // shifts up by at most 20 (its smallest corner moving down, (a0, s0)) and down by
    // 2 (the primary cell itself), so (a0, s1) ranges over [0, 22]: width 22 >= 5.
    // Every row and column then holds two suppressed cells, so nothing more is needed.
    let mut r = three_by_three();
    let summary = apply_disclosure_control(&mut r, &Control::default());
    assert_eq!(
        suppressed_keys(&r),
        keys(&[&["a0", "s0"], &["a0", "s1"], &["a1", "s0"], &["a1", "s1"]])
    );
    assert_eq!((summary.primary, summary.secondary), (1, 3));
    assert!(summary.unresolved.is_empty());
    assert!(audit_tables(&[r.clone()], &[], 5).is_empty());

    // The auditor's ranges, worked by hand from the box above.
    let l = &link(&[r], &[], 5)[0];
    let ranges = feasible_ranges(&l.table);
    let range_of = |label: &str| {
        let cell = l
            .table
            .cells()
            .iter()
            .position(|c| c.label == label)
            .unwrap();
        let r = ranges.iter().find(|r| r.cell == cell).unwrap();
        (r.lo, r.hi)
    };
    let close = |(lo, hi): (f64, f64), (a, b): (f64, f64)| {
        assert!(
            (lo - a).abs() < 1e-5 && (hi - b).abs() < 1e-5,
            "[{lo}, {hi}] != [{a}, {b}]"
        )
    };
    close(range_of("posts [a=a0, s=s1]"), (0.0, 22.0));
    close(range_of("posts [a=a0, s=s0]"), (0.0, 22.0));
    close(range_of("posts [a=a1, s=s0]"), (13.0, 35.0));
    close(range_of("posts [a=a1, s=s1]"), (5.0, 27.0));
}

/// A one-column table of one relation, written as the tests' comments write it:
/// `"30 = 2p + 10 + 18"` (a `p` marks a primary cell; the rest are published).
/// Returns the table and its cells, total first.
fn one_relation(spec: &str) -> (LinkedTable, Vec<usize>) {
    let mut t = LinkedTable::new(
        vec![Column {
            name: "value".into(),
            width: true,
        }],
        5,
    );
    let (total, parts) = spec.split_once('=').unwrap();
    let mut cells = Vec::new();
    for (i, term) in std::iter::once(total).chain(parts.split('+')).enumerate() {
        let term = term.trim();
        let (v, status) = match term.strip_suffix('p') {
            Some(v) => (v, Status::Primary),
            None => (term, Status::Published),
        };
        let v: f64 = v.parse().unwrap();
        cells.push(t.add_cell(format!("cell {i}"), vec![Some(v)], v, status));
    }
    t.add_relation(cells[0], cells[1..].to_vec(), true);
    (t, cells)
}

#[test]
fn a_lone_suppression_in_a_relation_is_completed_with_the_smallest_cell() {
    // 30 = 2 (primary) + 10 + 18: the 2 could be worked out, so the smallest other
    // cell (10) is suppressed; the relation then holds two and the rule stops.
    let (mut t, cells) = one_relation("30 = 2p + 10 + 18");
    let (b, c) = (cells[2], cells[3]);
    let member = t.memberships();
    assert_eq!(complete_relations(&mut t, &member), 1);
    assert_eq!(t.cells()[b].status, Status::Secondary);
    assert_eq!(t.cells()[c].status, Status::Published);
    // a + b = 12: a ranges over [0, 12], wide enough; b over [0, 12] too.
    assert!(audit(&t).is_empty());
}

#[test]
fn the_auditor_reports_exact_and_narrow_cells() {
    // 12 = a + b + c with a = 1 (primary), b = 3 (primary), c = 8 (published): a + b
    // = 4, so a lies in [0, 4]: narrower than 5. Then with b published too, a = 1
    // exactly.
    let (mut t, cells) = one_relation("12 = 1p + 3p + 8");
    let (a, b) = (cells[1], cells[2]);
    let findings = audit(&t);
    assert_eq!(findings.len(), 2, "{findings:?}");
    let f = findings.iter().find(|f| f.cell == a).unwrap();
    assert_eq!(f.kind, FindingKind::Narrow);
    assert!(f.lo.abs() < 1e-6 && (f.hi - 4.0).abs() < 1e-6, "{f}");
    assert_eq!(f.required, 5.0);

    t.set_status(b, Status::Published);
    let findings = audit(&t);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].kind, FindingKind::Exact);
    assert!((findings[0].lo - 1.0).abs() < 1e-6 && (findings[0].hi - 1.0).abs() < 1e-6);

    // Protection fixes it by hiding c (the only published cell left beside the total)
    // or the total.
    let mut t2 = t.clone();
    t2.set_status(b, Status::Primary);
    let stats = protect_linked_table(&mut t2);
    assert!(stats.unresolved.is_empty());
    assert!(audit(&t2).is_empty());
}

/// Asserts what must hold of every protected table: each primary row hidden (a rate
/// over nobody, basis 0, may show its numerator), each hidden row without a figure,
/// and nothing for the auditor to find.
fn check_protected(tables: &[QueryResult], hierarchies: &[Hierarchy], summary: &DisclosureSummary) {
    for t in tables {
        for r in &t.rows {
            let empty_rate = t.kind == MeasureKind::Rate && r.basis == 0;
            if r.basis < DEFAULT_SUPPRESSION_THRESHOLD && !empty_rate {
                assert!(
                    r.suppressed,
                    "{:?} rests on {} yet is shown",
                    r.keys, r.basis
                );
            }
            if r.suppressed {
                assert!(
                    r.value.is_none() && r.numerator.is_none() && r.denominator.is_none(),
                    "suppressed row {:?} carries a number",
                    r.keys
                );
            }
        }
    }
    assert!(summary.unresolved.is_empty(), "{:?}", summary.unresolved);
    let findings = audit_tables(tables, hierarchies, DEFAULT_SUPPRESSION_THRESHOLD);
    assert!(findings.is_empty(), "{}", findings[0]);
}

/// Takes back one complementary suppression that was one of exactly two unknown
/// cells of some relation: the auditor must then find the other one exactly. Returns
/// whether the table had such a suppression.
fn taking_back_a_suppression_is_caught(protected: &QueryResult, original: &QueryResult) -> bool {
    let l = &link(
        std::slice::from_ref(protected),
        &[],
        DEFAULT_SUPPRESSION_THRESHOLD,
    )[0];
    let t = &l.table;
    let pair = t.relations().iter().find_map(|rel| {
        let unknown: Vec<usize> = rel
            .cells()
            .filter(|&c| t.cells()[c].status != Status::Published)
            .collect();
        match unknown[..] {
            [x, y]
                if t.cells()[x].status == Status::Secondary
                    && t.cells()[y].status.is_suppressed() =>
            {
                Some((x, y))
            }
            [x, y]
                if t.cells()[y].status == Status::Secondary
                    && t.cells()[x].status.is_suppressed() =>
            {
                Some((y, x))
            }
            _ => None,
        }
    });
    let Some((back, given_away)) = pair else {
        return false;
    };
    let mut reopened = protected.clone();
    for &(_, i, cell) in &l.rows {
        if cell == back {
            reopened.rows[i] = original.rows[i].clone();
        }
    }
    let label = &t.cells()[given_away].label;
    let findings = audit_tables(&[reopened], &[], DEFAULT_SUPPRESSION_THRESHOLD);
    assert!(
        findings
            .iter()
            .any(|f| &f.label == label && f.kind == FindingKind::Exact),
        "showing {} again should give away {label}: {findings:?}",
        t.cells()[back].label
    );
    true
}

/// How a margin is made from its parts.
type Margin<'a> = &'a dyn Fn(&[u64]) -> u64;

/// A random table of two breakdowns (even cases) or three (odd), of 2 to 4 codes
/// each, with every margin.
fn random_lattice(
    rng: &mut Rng,
    case: usize,
    measure: &str,
    kind: MeasureKind,
    margin: Margin,
) -> QueryResult {
    let dims = 2 + (case % 2);
    let sizes: Vec<usize> = (0..dims).map(|_| 2 + rng.below(3) as usize).collect();
    let by = ["area", "sector", "career_level"];
    let cell = |_: &[usize]| {
        let n = rng.count();
        match kind {
            // A rate's numerator: at most a third of its denominator, plus one.
            MeasureKind::Rate => (rng.below(n + 1).min(n / 3 + 1).min(n), Some(n)),
            _ => (n, None),
        }
    };
    lattice(measure, kind, &by[..dims], &sizes, cell, margin)
}

#[test]
fn random_tables_are_protected_and_the_auditor_catches_a_removed_suppression() {
    // Counts (additive), rates (numerator and denominator both protected) and
    // headcounts, whose margins are below the sum of their parts: a person with
    // posts in two groups counts once in the margin (never below the largest part).
    let overlap = |parts: &[u64]| {
        let max = parts.iter().copied().max().unwrap_or(0);
        let o = parts.iter().map(|p| p % 3).sum::<u64>() / 2;
        sum(parts).saturating_sub(o).max(max)
    };
    let kinds: [(&str, MeasureKind, Margin); 3] = [
        ("posts", MeasureKind::Count, &sum),
        ("vacancy_rate", MeasureKind::Rate, &sum),
        ("headcount", MeasureKind::Count, &overlap),
    ];
    let mut rng = Rng(0x5eed_0001);
    let mut caught = 0;
    for (measure, kind, margin) in kinds {
        for case in 0..30 {
            let original = random_lattice(&mut rng, case, measure, kind, margin);
            let mut r = original.clone();
            let summary = apply_disclosure_control(&mut r, &Control::default());
            check_protected(std::slice::from_ref(&r), &[], &summary);
            // Rows keep their order and keys; shown figures are untouched.
            for (a, b) in r.rows.iter().zip(&original.rows) {
                assert_eq!(a.keys, b.keys);
                if !a.suppressed {
                    assert_eq!(a, b);
                }
            }
            if measure == "posts" && taking_back_a_suppression_is_caught(&r, &original) {
                caught += 1;
            }
        }
    }
    assert!(
        caught >= 15,
        "only {caught} tables had a suppression to take back"
    );
}

#[test]
fn linked_tables_are_protected_jointly() {
    // area x sector and area x role of one measure share the area margins and the
    // grand total; a cell hidden in one must be hidden in the other.
    let mut rng = Rng(0x5eed_0004);
    for _ in 0..10 {
        let areas = 2 + rng.below(4) as usize;
        let by_sector = lattice(
            "posts",
            MeasureKind::Count,
            &["area", "sector"],
            &[areas, 3],
            |_| (rng.count(), None),
            sum,
        );
        // area x role: split each area's total over three roles.
        let mut role_rows = Vec::new();
        for a in 0..areas {
            let total = find(&by_sector, &[&format!("area{a}"), TOTAL_KEY]).basis;
            let first = rng.below(total + 1);
            let second = rng.below(total - first + 1);
            for (i, n) in [first, second, total - first - second]
                .into_iter()
                .enumerate()
            {
                role_rows.push(row(
                    &[format!("area{a}"), format!("role{i}")],
                    n as f64,
                    None,
                    n,
                ));
            }
            role_rows.push(row(
                &[format!("area{a}"), TOTAL_KEY.into()],
                total as f64,
                None,
                total,
            ));
        }
        for i in 0..3 {
            let n: u64 = role_rows
                .iter()
                .filter(|r| r.keys[1] == format!("role{i}"))
                .map(|r| r.basis)
                .sum();
            role_rows.push(row(
                &[TOTAL_KEY.into(), format!("role{i}")],
                n as f64,
                None,
                n,
            ));
        }
        let grand = find(&by_sector, &[TOTAL_KEY, TOTAL_KEY]).basis;
        role_rows.push(row(
            &[TOTAL_KEY.into(), TOTAL_KEY.into()],
            grand as f64,
            None,
            grand,
        ));
        let by_role = result(
            "posts",
            MeasureKind::Count,
            vec!["area".into(), "role".into()],
            role_rows,
        );
        let mut tables = vec![by_sector.clone(), by_role];
        let summary = protect_tables(&mut tables, &Control::default());
        check_protected(&tables, &[], &summary);
        for a in 0..areas {
            let key = format!("area{a}");
            assert_eq!(
                find(&tables[0], &[&key, TOTAL_KEY]).suppressed,
                find(&tables[1], &[&key, TOTAL_KEY]).suppressed
            );
        }
    }
}

#[test]
fn an_area_hierarchy_links_regions_to_their_areas() {
    // Six areas in two regions, by sector, with region rows and the national total.
    let mut rng = Rng(0x5eed_0005);
    for _ in 0..10 {
        let areas = ["a0", "a1", "a2", "a3", "a4", "a5"];
        let regions = [("r0", &areas[..3]), ("r1", &areas[3..])];
        let mut counts = [[0u64; 3]; 6];
        for c in counts.iter_mut() {
            for v in c.iter_mut() {
                *v = rng.count();
            }
        }
        let mut rows = Vec::new();
        let mut push = |area: &str, sector: Option<usize>, n: u64| {
            let s = sector.map_or(TOTAL_KEY.to_string(), |s| format!("s{s}"));
            rows.push(row(&[area.to_string(), s], n as f64, None, n));
        };
        let total = |members: &[usize], s: Option<usize>| -> u64 {
            members
                .iter()
                .map(|&a| match s {
                    Some(s) => counts[a][s],
                    None => counts[a].iter().sum(),
                })
                .sum()
        };
        for s in [Some(0), Some(1), Some(2), None] {
            for (a, area) in areas.iter().enumerate() {
                push(area, s, total(&[a], s));
            }
            push("r0", s, total(&[0, 1, 2], s));
            push("r1", s, total(&[3, 4, 5], s));
            push(TOTAL_KEY, s, total(&[0, 1, 2, 3, 4, 5], s));
        }
        let hierarchies: Vec<Hierarchy> = regions
            .iter()
            .map(|(r, members)| Hierarchy {
                breakdown: "area".into(),
                parent: r.to_string(),
                children: members.iter().map(|s| s.to_string()).collect(),
            })
            .collect();
        let mut tables = vec![result(
            "posts",
            MeasureKind::Count,
            vec!["area".into(), "sector".into()],
            rows,
        )];
        let summary = protect_linked(&mut tables, &hierarchies, &Control::default());
        check_protected(&tables, &hierarchies, &summary);
    }
}

/// Counts to the nearest 5, margins to the nearest 10.
const ROUND_5_10: Control = Control {
    threshold: 5,
    method: Method::Rounding {
        base: 5,
        total_base: 10,
    },
};

#[test]
fn rounding_rounds_cells_to_five_and_margins_to_ten() {
    let mut r = three_by_three();
    let summary = apply_disclosure_control(&mut r, &ROUND_5_10);
    // Cells: 20 15 40 / 2 25 35 / 30 10 12 -> 20 15 40 / 0 25 35 / 30 10 10.
    assert_eq!(find(&r, &["a0", "s1"]).value, Some(0.0));
    assert_eq!(find(&r, &["a2", "s2"]).value, Some(10.0));
    assert_eq!(find(&r, &["a1", "s0"]).value, Some(15.0));
    // Margins to ten: 52 -> 50, 87 -> 90, 62 -> 60, 189 -> 190.
    assert_eq!(find(&r, &["a0", TOTAL_KEY]).value, Some(50.0));
    assert_eq!(find(&r, &["a2", TOTAL_KEY]).value, Some(90.0));
    assert_eq!(find(&r, &[TOTAL_KEY, "s1"]).numerator, Some(60.0));
    assert_eq!(find(&r, &[TOTAL_KEY, TOTAL_KEY]).value, Some(190.0));
    assert_eq!(summary.rounded, 16);
    assert_eq!(summary.primary, 0);
    assert!(r.rows.iter().all(|row| !row.suppressed));
}

#[test]
fn rounding_recomputes_rates_and_still_hides_small_denominators() {
    let rates = result(
        "vacancy_rate",
        MeasureKind::Rate,
        vec!["area".into()],
        vec![
            row(&["a0".into()], 3.0, Some(4.0), 4),
            row(&["a1".into()], 7.0, Some(48.0), 48),
            row(&[TOTAL_KEY.into()], 10.0, Some(52.0), 52),
        ],
    );
    let mut r = rates.clone();
    let summary = apply_disclosure_control(&mut r, &ROUND_5_10);
    // a0 rests on 4 posts: suppressed, no figure at all.
    let a0 = find(&r, &["a0"]);
    assert!(a0.suppressed && a0.value.is_none() && a0.numerator.is_none());
    // a1: 7/48 -> 5/50 = 0.1. Total: 10/52 -> 10/50 = 0.2.
    let a1 = find(&r, &["a1"]);
    assert_eq!(
        (a1.numerator, a1.denominator, a1.value),
        (Some(5.0), Some(50.0), Some(0.1))
    );
    let t = find(&r, &[TOTAL_KEY]);
    assert_eq!(
        (t.numerator, t.denominator, t.value),
        (Some(10.0), Some(50.0), Some(0.2))
    );
    assert_eq!((summary.rounded, summary.primary), (2, 1));
}

#[test]
fn query_with_totals_adds_every_margin_after_its_parts() {
    let cube = crate::tests::census_2025();
    let q = Query {
        measure: "posts".into(),
        by: vec!["area".into(), "sector".into()],
        filters: vec![],
    };
    let plain = run_query(&[&cube], &q).unwrap();
    let with = run_query_with_totals(&[&cube], &q).unwrap();
    assert_eq!(with.by, plain.by);
    // Every plain row is there, unchanged.
    for r in &plain.rows {
        assert!(with.rows.contains(r));
    }
    // Each margin is the sum of the rows it totals (posts are additive), and comes
    // after all of them.
    let pos = |r: &ResultRow| with.rows.iter().position(|x| x == r).unwrap();
    for m in with
        .rows
        .iter()
        .filter(|r| r.keys.iter().any(|k| k == TOTAL_KEY))
    {
        let parts: Vec<&ResultRow> = with
            .rows
            .iter()
            .filter(|r| {
                r.keys
                    .iter()
                    .zip(&m.keys)
                    .all(|(a, b)| b == TOTAL_KEY || a == b)
                    && r.keys.iter().all(|k| k != TOTAL_KEY)
            })
            .collect();
        let total: f64 = parts.iter().map(|r| r.value.unwrap()).sum();
        assert_eq!(m.value, Some(total), "{:?}", m.keys);
        assert!(parts.iter().all(|p| pos(p) < pos(m)));
    }
    let grand = with.rows.last().unwrap();
    assert!(grand.keys.iter().all(|k| k == TOTAL_KEY));
    let none = run_query(
        &[&cube],
        &Query {
            measure: "posts".into(),
            by: vec![],
            filters: vec![],
        },
    )
    .unwrap();
    assert_eq!(grand.value, none.rows[0].value);

    // And protection of a real query result leaves nothing to find.
    let mut protected = with.clone();
    let summary = apply_disclosure_control(&mut protected, &Control::default());
    check_protected(std::slice::from_ref(&protected), &[], &summary);
}

/// Leavers by sector and turnover by sector (leavers over posts) with posts by sector,
/// as T06, T07 and T01 of the publication show them: sector s0 has 2 leavers out of 26
/// posts.
fn leavers_turnover_posts() -> Vec<QueryResult> {
    let leavers = [2u64, 12, 20, 9];
    let posts = [26u64, 80, 100, 60];
    let by = vec!["sector".to_string()];
    let keyed = |i: usize| vec![format!("s{i}")];
    let total = vec![TOTAL_KEY.to_string()];
    let count = |measure: &str, v: &[u64]| {
        let mut rows: Vec<ResultRow> = (0..v.len())
            .map(|i| row(&keyed(i), v[i] as f64, None, v[i]))
            .collect();
        rows.push(row(&total, sum(v) as f64, None, sum(v)));
        result(measure, MeasureKind::Count, by.clone(), rows)
    };
    let mut rates: Vec<ResultRow> = (0..4)
        .map(|i| {
            row(
                &keyed(i),
                leavers[i] as f64,
                Some(posts[i] as f64),
                posts[i],
            )
        })
        .collect();
    rates.push(row(
        &total,
        sum(&leavers) as f64,
        Some(sum(&posts) as f64),
        sum(&posts),
    ));
    vec![
        count("leavers", &leavers),
        result("turnover_rate", MeasureKind::Rate, by.clone(), rates),
        count("posts", &posts),
    ]
}

#[test]
fn a_count_hidden_in_one_table_cannot_be_read_from_a_rate_in_another() {
    let original = leavers_turnover_posts();
    // The count tables protected on their own and turnover with primary suppression
    // only (as an ad hoc table): the leavers' complementary cell is still printed as
    // turnover's numerator, and the 2 is the total minus the printed numerators.
    let mut apart = original.clone();
    apply_disclosure_control(&mut apart[0], &Control::default());
    crate::query::apply_primary_suppression(&mut apart[1], DEFAULT_SUPPRESSION_THRESHOLD);
    apply_disclosure_control(&mut apart[2], &Control::default());
    assert!(find(&apart[0], &["s0"]).suppressed && !find(&apart[1], &["s3"]).suppressed);
    let findings = audit_tables(&apart, &[], DEFAULT_SUPPRESSION_THRESHOLD);
    assert!(
        findings
            .iter()
            .any(|f| f.label.starts_with("leavers [sector=s0]") && f.kind == FindingKind::Exact),
        "{findings:?}"
    );
    // Protected together, a leavers cell hidden in T06 is hidden as T07's numerator.
    let mut together = original.clone();
    let summary = protect_tables(&mut together, &Control::default());
    check_protected(&together, &[], &summary);
    let [leavers, turnover, posts] = &together[..] else {
        unreachable!()
    };
    for (i, l) in leavers.rows.iter().enumerate() {
        let (t, p) = (&turnover.rows[i], &posts.rows[i]);
        assert!(
            !(l.suppressed || p.suppressed) || t.suppressed,
            "{:?}: turnover prints a hidden count",
            l.keys
        );
    }
    assert!(find(leavers, &["s0"]).suppressed && find(turnover, &["s0"]).suppressed);
}

#[test]
fn the_auditor_reports_a_small_numerator_printed_beside_its_hidden_count() {
    // T06 hides the 2 leavers (and the 9 beside them, so that T06 alone is safe) while
    // T07 prints turnover as "2 of 26".
    let mut tables = leavers_turnover_posts();
    let hidden = |r: &&mut ResultRow| r.keys == ["s0"] || r.keys == ["s3"];
    for r in tables[0].rows.iter_mut().filter(hidden) {
        super::rounding::hide(r);
    }
    let findings = audit_tables(&tables, &[], DEFAULT_SUPPRESSION_THRESHOLD);
    assert!(audit_tables(&tables[..1], &[], DEFAULT_SUPPRESSION_THRESHOLD).is_empty());
    let f = findings
        .iter()
        .find(|f| f.label.starts_with("leavers [sector=s0]"))
        .expect("the 2 leavers are found");
    assert_eq!((f.kind, f.lo, f.hi), (FindingKind::Exact, 2.0, 2.0));
}

#[test]
fn rounding_never_prints_a_numerator_below_the_threshold() {
    // 5 of 40 rounded to base 4 would print "4 of 40".
    let rates = result(
        "turnover_rate",
        MeasureKind::Rate,
        vec!["area".into()],
        vec![
            row(&["a0".into()], 5.0, Some(40.0), 40),
            row(&["a1".into()], 2.0, Some(60.0), 60),
            row(&["a2".into()], 30.0, Some(60.0), 60),
            row(&[TOTAL_KEY.into()], 37.0, Some(160.0), 160),
        ],
    );
    let mut r = rates.clone();
    let control = Control {
        threshold: 5,
        method: Method::Rounding {
            base: 4,
            total_base: 10,
        },
    };
    apply_disclosure_control(&mut r, &control);
    for row in &r.rows {
        let n = row.numerator.unwrap_or(0.0);
        assert!(
            n == 0.0 || n >= 5.0,
            "{:?} prints a numerator of {n}",
            row.keys
        );
    }
    assert!(find(&r, &["a0"]).suppressed && find(&r, &["a1"]).suppressed);
    assert_eq!(find(&r, &["a2"]).numerator, Some(32.0));
}
