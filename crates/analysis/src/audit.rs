//! The auditor: proves that no suppressed figure can be worked out, or narrowed too far,
//! from what is published. For every suppressed cell it finds the range of values that
//! agree with the published cells and the relations between them (variables: the
//! suppressed and implied cells, all >= 0; relations as equalities with published cells
//! as constants), by linear programming: minimise and maximise the cell.
//!
//! # The protection interval
//! A primary cell (a count of fewer people than the threshold `t`) must keep a feasible
//! range at least `t` wide: `hi - lo >= t`, where for whole-number tables `lo` and `hi`
//! are first rounded inwards (an attacker knows counts are whole). Whatever the true
//! count, the published figures then fit at least `t + 1` different counts, among them
//! counts at or above the threshold, so a reader can neither name the count nor tell it
//! from a count that would have been published: the same uncertainty the threshold
//! itself grants. Any other suppressed figure (a secondary cell, a rate's numerator) must
//! merely not be derivable exactly (`hi > lo`); an unbounded range is always enough.
//! This is tau-argus' "sliding protection interval" with width `t`.
//!
//! # Speed
//! The problem splits into connected components of unknown cells (two unknown cells in
//! one relation are connected), each its own small LP. A cell is proven without any LP
//! when two feasible points already known (the true figures, earlier LP answers, the
//! moves secondary suppression built) differ by enough in it. LPs are solved only for
//! the rest, first two for all of them at once (push every unproven cell up, then down),
//! then one cell at a time.
//!
//! Ranges are those of the linear relaxation: in tables of three or more breakdowns the
//! whole-number range can be narrower than the rounded LP range (as in tau-argus' and
//! sdcTable's audits).

use std::collections::HashMap;
use std::fmt;

use crate::disclosure::Hierarchy;
use crate::disclosure::linked::{Linked, LinkedTable, Status, link};
use crate::disclosure::lp::{Lp, Outcome, Row, tol};
use crate::disclosure::moves::{Search, Use, find_move, shift_limits};
use crate::disclosure::quantities::keep_counts;
use crate::query::QueryResult;

/// Why a suppressed figure is not safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// Its value follows exactly from the published figures.
    Exact,
    /// Its feasible range is narrower than the protection interval.
    Narrow,
    /// The published figures contradict the relations between them, so the auditor
    /// cannot bound it (a table whose totals are not the sum of their parts).
    Inconsistent,
    /// The solver gave no usable answer; the cell is not proven safe.
    Unsolved,
}

/// A suppressed figure that the published figures give away (or that could not be
/// proven safe).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The cell's index in its [`LinkedTable`].
    pub cell: usize,
    /// Which figure, e.g. `posts [area=E06000001, sector=early_years]`.
    pub label: String,
    /// The column, e.g. `value` or `numerator`.
    pub column: String,
    /// The column's index.
    pub column_index: usize,
    /// The smallest value the published figures allow (NaN where unknown).
    pub lo: f64,
    /// The largest value the published figures allow (infinite if unbounded).
    pub hi: f64,
    /// The width the range must have (0: merely more than one value).
    pub required: f64,
    /// What is wrong.
    pub kind: FindingKind,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FindingKind::Exact => "can be worked out exactly".to_string(),
            FindingKind::Narrow => format!(
                "is only protected to within {}, less than the {} required",
                self.hi - self.lo,
                self.required
            ),
            FindingKind::Inconsistent => {
                "cannot be audited: the published figures contradict their totals".to_string()
            }
            FindingKind::Unsolved => "could not be proven safe (the solver failed)".to_string(),
        };
        write!(
            f,
            "{} ({}): {what}; published figures allow [{}, {}]",
            self.label, self.column, self.lo, self.hi
        )
    }
}

/// The feasible range of one suppressed cell in one column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellRange {
    /// The cell's index.
    pub cell: usize,
    /// The column's index.
    pub column: usize,
    /// Smallest feasible value.
    pub lo: f64,
    /// Largest feasible value (infinite if unbounded).
    pub hi: f64,
}

/// Audits a linked table: every suppressed cell whose feasible range is narrower than
/// its protection interval (see the module documentation).
pub fn audit(table: &LinkedTable) -> Vec<Finding> {
    Auditor::default().run(table, &table.memberships())
}

/// Audits published tables as a reader would see them: builds the linked tables from
/// the rows that are not suppressed (see [`crate::protect_tables`] for how tables are
/// linked: every count, and every rate's numerator and denominator, is a cell of the
/// quantity it counts, shared across tables), treats every suppressed row as unknown,
/// and reports every printed figure that rests on too few people and every suppressed
/// one that the printed ones give away. `threshold` says which cells are primary (from
/// the counts of suppressed rows, their basis and records); the hidden figures of
/// suppressed rows are not used.
pub fn audit_tables(
    tables: &[QueryResult],
    hierarchies: &[Hierarchy],
    threshold: u64,
) -> Vec<Finding> {
    let mut published = tables.to_vec();
    for t in &mut published {
        for row in t.rows.iter_mut().filter(|r| r.suppressed) {
            keep_counts(row, &t.measure);
            row.value = None;
            row.numerator = None;
            row.denominator = None;
        }
    }
    link(&published, hierarchies, threshold)
        .into_iter()
        .flat_map(|l| {
            let mut findings = exposed(&l);
            findings.extend(audit(&l.table));
            findings
        })
        .collect()
}

/// Printed figures about fewer people than the threshold: a count shown in one table
/// and hidden in another, or a rate's numerator of 1 to threshold - 1.
fn exposed(l: &Linked) -> Vec<Finding> {
    let t = &l.table;
    l.exposed
        .iter()
        .map(|&cell| {
            let value = t.cells[cell].values[0].unwrap_or(f64::NAN);
            Finding {
                cell,
                label: t.cells[cell].label.clone(),
                column: t.columns[0].name.clone(),
                column_index: 0,
                lo: value,
                hi: value,
                required: t.threshold,
                kind: FindingKind::Exact,
            }
        })
        .collect()
}

/// The exact feasible range of every suppressed cell in every column, by two LPs each
/// (no shortcuts): for tests and for explaining a table's protection.
pub fn feasible_ranges(table: &LinkedTable) -> Vec<CellRange> {
    let mut out = Vec::new();
    for comp in components(table) {
        for col in 0..table.columns.len() {
            let ctx = Ctx::new(table, &comp, col);
            let targets: Vec<usize> = ctx.checks.iter().map(|&(v, _)| v).collect();
            let Some(lp) = ctx.feasible_lp() else {
                continue;
            };
            for v in targets {
                let hi = match lp.minimise(&ctx.unit(v, -1.0)) {
                    Outcome::Optimum { value, .. } => -value,
                    Outcome::Unbounded => f64::INFINITY,
                    _ => f64::NAN,
                };
                let lo = match lp.minimise(&ctx.unit(v, 1.0)) {
                    Outcome::Optimum { value, .. } => value,
                    _ => f64::NAN,
                };
                out.push(CellRange {
                    cell: comp.cells[v],
                    column: col,
                    lo,
                    hi,
                });
            }
        }
    }
    out
}

/// Unknown cells (suppressed or implied) linked through relations, and those relations.
pub(crate) struct Component {
    pub cells: Vec<usize>,
    pub relations: Vec<usize>,
}

/// Splits the unknown cells into connected components, each with the relations that
/// hold any of them, in a fixed order (by smallest cell).
pub(crate) fn components(table: &LinkedTable) -> Vec<Component> {
    let n = table.cells.len();
    let unknown = |c: usize| table.cells[c].status != Status::Published;
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for rel in &table.relations {
        let mut first = None;
        for c in rel.cells().filter(|&c| unknown(c)) {
            match first {
                None => first = Some(c),
                Some(f) => {
                    let (a, b) = (find(&mut parent, f), find(&mut parent, c));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
    }
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut comps: Vec<Component> = Vec::new();
    for c in (0..n).filter(|&c| unknown(c)) {
        let root = find(&mut parent, c);
        let i = *index.entry(root).or_insert_with(|| {
            comps.push(Component {
                cells: Vec::new(),
                relations: Vec::new(),
            });
            comps.len() - 1
        });
        comps[i].cells.push(c);
    }
    for (r, rel) in table.relations.iter().enumerate() {
        if let Some(c) = rel.cells().find(|&c| unknown(c)) {
            let root = find(&mut parent, c);
            comps[index[&root]].relations.push(r);
        }
    }
    comps
}

/// How the relations of a component are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    /// Every relation an equality: the attacker's best case.
    Equal,
    /// Inexact relations as `largest part <= total <= sum of parts`.
    Bounds,
    /// Inexact relations left out.
    ExactOnly,
}

/// A feasible point known from earlier work, as the cells where it differs from the
/// true figures; kept across audit rounds while suppression grows.
struct Point {
    column: usize,
    values: Vec<(usize, f64)>,
}

/// Audits repeatedly while secondary suppression adds cells, keeping the feasible
/// points it learns so that cells proven once are re-proven without an LP.
#[derive(Default)]
pub(crate) struct Auditor {
    pool: Vec<Point>,
    /// How many LPs were solved, for the timing report.
    pub lp_solves: usize,
}

/// One component in one column: variables are the component's cells in order.
struct Ctx<'a> {
    table: &'a LinkedTable,
    comp: &'a Component,
    column: usize,
    var: HashMap<usize, usize>,
    integral: bool,
    /// (variable, required width) for every suppressed cell.
    checks: Vec<(usize, f64)>,
    /// The true figures of the variables, where all are known.
    truth: Option<Vec<f64>>,
    inexact: bool,
}

impl<'a> Ctx<'a> {
    fn new(table: &'a LinkedTable, comp: &'a Component, column: usize) -> Ctx<'a> {
        let var: HashMap<usize, usize> = comp
            .cells
            .iter()
            .enumerate()
            .map(|(v, &c)| (c, v))
            .collect();
        let integral = table.integral(column);
        let checks = comp
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| table.cells[**c].status.is_suppressed())
            .map(|(v, &c)| (v, table.required(c, column, integral)))
            .collect();
        let truth = comp
            .cells
            .iter()
            .map(|&c| table.cells[c].values[column])
            .collect();
        let inexact = comp.relations.iter().any(|&r| !table.relations[r].exact);
        Ctx {
            table,
            comp,
            column,
            var,
            integral,
            checks,
            truth,
            inexact,
        }
    }

    fn unit(&self, v: usize, sign: f64) -> Vec<f64> {
        let mut q = vec![0.0; self.comp.cells.len()];
        q[v] = sign;
        q
    }

    /// The constraint rows of the component under a model.
    fn rows(&self, model: Model) -> Vec<Row> {
        let mut rows = Vec::new();
        for &r in &self.comp.relations {
            let rel = &self.table.relations[r];
            match (rel.exact, model) {
                (false, Model::ExactOnly) => {}
                (false, Model::Bounds) => {
                    rows.push(self.row(rel.cells().map(|c| (c, rel.coef(c))), false));
                    for &p in &rel.parts {
                        rows.push(self.row([(p, 1.0), (rel.total, -1.0)].into_iter(), false));
                    }
                }
                _ => rows.push(self.row(rel.cells().map(|c| (c, rel.coef(c))), true)),
            }
        }
        rows.retain(|r| !r.terms.is_empty());
        rows
    }

    /// `sum(coef * cell) (= or <=) 0`, published cells moved to the right-hand side.
    fn row(&self, terms: impl Iterator<Item = (usize, f64)>, equal: bool) -> Row {
        let mut row = Row {
            terms: Vec::new(),
            rhs: 0.0,
            equal,
        };
        for (c, coef) in terms {
            match self.var.get(&c) {
                Some(&v) => row.terms.push((v, coef)),
                None => row.rhs -= coef * self.table.cells[c].values[self.column].unwrap_or(0.0),
            }
        }
        row
    }

    fn models(&self) -> &'static [Model] {
        if self.inexact {
            &[Model::Equal, Model::Bounds, Model::ExactOnly]
        } else {
            &[Model::Equal]
        }
    }

    /// The LP of the first model that has a feasible point (for exact ranges).
    fn feasible_lp(&self) -> Option<Lp> {
        self.models().iter().find_map(|&m| {
            let lp = Lp::new(self.comp.cells.len(), self.rows(m));
            let ok = match &self.truth {
                Some(x) if lp.satisfied_by(x) => true,
                _ => !matches!(
                    lp.minimise(&vec![0.0; self.comp.cells.len()]),
                    Outcome::Infeasible
                ),
            };
            ok.then_some(lp)
        })
    }

    /// The width an attacker is left with, given the range [lo, hi].
    fn span(&self, lo: f64, hi: f64) -> f64 {
        if hi.is_infinite() {
            return f64::INFINITY;
        }
        if self.integral {
            (hi + tol(hi)).floor() - (lo - tol(lo)).ceil()
        } else {
            hi - lo
        }
    }

    fn wide_enough(&self, lo: f64, hi: f64, req: f64) -> bool {
        let s = self.span(lo, hi);
        if req > 0.0 {
            s >= req - tol(req)
        } else {
            s > tol(hi.max(lo.abs()))
        }
    }
}

/// Most rounds of pushing all unproven cells at once.
const MAX_PUSHES: usize = 12;

impl Ctx<'_> {
    /// An LP that pushes each cell of `cells` up (or down) towards the value that
    /// would prove it, by at most that much each, so that no one cell can make it
    /// unbounded and the pushes share the objective: for each cell an extra variable
    /// `y <= x` (or `y <= seen max - x`) capped at the value needed; maximise a
    /// weighted sum of the `y`. The weights differ from cell to cell and from round to
    /// round: with equal weights, two cells that trade off against each other tie, and
    /// an interior-point solver answers the middle of the tie, proving neither.
    fn push(
        &self,
        lp: &Lp,
        seen: &Seen,
        cells: &[(usize, f64)],
        up: bool,
        round: usize,
    ) -> (Vec<Row>, Vec<f64>) {
        let n = self.comp.cells.len();
        let mut rows = lp.rows().to_vec();
        let mut q = vec![0.0; n + cells.len()];
        for (i, &(v, req)) in cells.iter().enumerate() {
            let y = n + i;
            // Weights in [1, 2), spread by the golden ratio.
            q[y] = -(1.0 + ((i + 7 * round) as f64 * 0.618_033_988_749_895).fract());
            let (lo, hi) = seen.0[v];
            let step = if req > 0.0 {
                req
            } else if self.integral {
                1.0
            } else {
                1e-4 * lo.abs().max(1.0)
            };
            if up {
                // y <= x, y <= the value that makes the range wide enough.
                let from = if self.integral {
                    (lo - tol(lo)).ceil()
                } else {
                    lo
                };
                rows.push(Row {
                    terms: vec![(y, 1.0), (v, -1.0)],
                    rhs: 0.0,
                    equal: false,
                });
                rows.push(Row {
                    terms: vec![(y, 1.0)],
                    rhs: (from + step).max(0.0),
                    equal: false,
                });
            } else {
                // y <= hi - x, y <= how far below hi the cell must go.
                let to = if self.integral {
                    (hi + tol(hi)).floor()
                } else {
                    hi
                };
                rows.push(Row {
                    terms: vec![(y, 1.0), (v, 1.0)],
                    rhs: hi,
                    equal: false,
                });
                rows.push(Row {
                    terms: vec![(y, 1.0)],
                    rhs: (hi - to + step).max(0.0),
                    equal: false,
                });
            }
        }
        (rows, q)
    }
}

/// The smallest and largest value seen per variable over known feasible points.
struct Seen(Vec<(f64, f64)>);

impl Seen {
    fn add(&mut self, x: &[f64]) {
        for (s, &v) in self.0.iter_mut().zip(x) {
            s.0 = s.0.min(v);
            s.1 = s.1.max(v);
        }
    }
}

impl Auditor {
    /// Remembers a feasible point given as changes to the true figures.
    pub(crate) fn remember(&mut self, column: usize, values: Vec<(usize, f64)>) {
        if !values.is_empty() {
            self.pool.push(Point { column, values });
        }
    }

    /// Every suppressed figure of `table` that is not protected.
    pub(crate) fn run(&mut self, table: &LinkedTable, member: &[Vec<u32>]) -> Vec<Finding> {
        let comps = components(table);
        let mut comp_of: HashMap<usize, usize> = HashMap::new();
        for (i, comp) in comps.iter().enumerate() {
            for &c in &comp.cells {
                comp_of.insert(c, i);
            }
        }
        // Known points per (component, column).
        let mut points: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (p, point) in self.pool.iter().enumerate() {
            if let Some(&i) = point.values.first().and_then(|(c, _)| comp_of.get(c)) {
                points.entry((i, point.column)).or_default().push(p);
            }
        }
        let mut findings = Vec::new();
        for (i, comp) in comps.iter().enumerate() {
            for column in 0..table.columns.len() {
                let ctx = Ctx::new(table, comp, column);
                if ctx.checks.is_empty() {
                    continue;
                }
                let known = points.get(&(i, column)).map(Vec::as_slice).unwrap_or(&[]);
                self.audit_component(&ctx, member, known, &mut findings);
            }
        }
        findings
    }

    fn audit_component(
        &mut self,
        ctx: &Ctx,
        member: &[Vec<u32>],
        known: &[usize],
        findings: &mut Vec<Finding>,
    ) {
        let n = ctx.comp.cells.len();
        'models: for &model in ctx.models() {
            let lp = Lp::new(n, ctx.rows(model));
            let mut seen = Seen(vec![(f64::INFINITY, f64::NEG_INFINITY); n]);
            let truth = ctx.truth.as_ref().filter(|x| lp.satisfied_by(x));
            // A feasible point to start from: the true figures, else an interior
            // point (no objective: the solver stops near the middle of the region).
            let base = match truth {
                Some(x) => x.clone(),
                None => {
                    self.lp_solves += 1;
                    match lp.minimise(&vec![0.0; n]) {
                        Outcome::Optimum { x, .. } => x,
                        Outcome::Infeasible => continue 'models,
                        _ => vec![f64::NAN; n],
                    }
                }
            };
            let mut feasible = base.iter().all(|v| v.is_finite());
            if feasible {
                seen.add(&base);
            }
            if truth.is_some() && model == Model::Equal {
                self.add_known(ctx, member, &base, known, &mut seen);
            }
            let proven = |seen: &Seen, v: usize, req: f64| {
                let (lo, hi) = seen.0[v];
                lo <= hi && ctx.wide_enough(lo, hi, req)
            };
            // Boxes of unknown cells shift any feasible point to others.
            if feasible && model != Model::Bounds {
                self.prove_by_moves(ctx, member, &base, &mut seen, &proven);
            }
            // Push the unproven cells towards the values that would prove them, all
            // at once, up then down, while that proves more.
            let mut left = usize::MAX;
            for round in 0..MAX_PUSHES {
                let unproven: Vec<(usize, f64)> = ctx
                    .checks
                    .iter()
                    .copied()
                    .filter(|&(v, req)| !proven(&seen, v, req))
                    .collect();
                if unproven.len() <= 2 || unproven.len() >= left {
                    break;
                }
                left = unproven.len();
                for up in [true, false] {
                    let (rows, q) = ctx.push(&lp, &seen, &unproven, up, round);
                    self.lp_solves += 1;
                    match Lp::new(q.len(), rows).minimise(&q) {
                        Outcome::Optimum { mut x, .. } => {
                            x.truncate(n);
                            feasible = true;
                            seen.add(&x);
                            self.keep(ctx, model, truth, &x);
                        }
                        Outcome::Infeasible if !feasible => continue 'models,
                        _ => {}
                    }
                }
            }
            for &(v, req) in &ctx.checks {
                if proven(&seen, v, req) {
                    continue;
                }
                let mut range = [f64::NAN, f64::NAN];
                for (k, sign) in [(1usize, -1.0), (0, 1.0)] {
                    self.lp_solves += 1;
                    match lp.minimise(&ctx.unit(v, sign)) {
                        Outcome::Optimum { value, x } => {
                            feasible = true;
                            range[k] = sign * value;
                            seen.add(&x);
                            self.keep(ctx, model, truth, &x);
                        }
                        Outcome::Unbounded => range[k] = f64::INFINITY,
                        Outcome::Infeasible if !feasible => continue 'models,
                        Outcome::Infeasible | Outcome::Failed(_) => {
                            findings.push(ctx.finding(v, req, range, FindingKind::Unsolved));
                            break;
                        }
                    }
                    if proven(&seen, v, req) || range[1].is_infinite() {
                        break;
                    }
                }
                let [lo, hi] = range;
                if lo.is_nan() || hi.is_nan() {
                    continue; // proven, or already reported as unsolved
                }
                if !ctx.wide_enough(lo, hi, req) {
                    let kind = if ctx.span(lo, hi) <= tol(hi) {
                        FindingKind::Exact
                    } else {
                        FindingKind::Narrow
                    };
                    findings.push(ctx.finding(v, req, range, kind));
                }
            }
            return;
        }
        for &(v, req) in &ctx.checks {
            findings.push(ctx.finding(v, req, [f64::NAN, f64::NAN], FindingKind::Inconsistent));
        }
    }

    /// For each cell not yet proven, a box of unknown cells around it that can shift
    /// `base` far enough proves it: `base` shifted fully up and fully down are both
    /// feasible.
    fn prove_by_moves(
        &self,
        ctx: &Ctx,
        member: &[Vec<u32>],
        base: &[f64],
        seen: &mut Seen,
        proven: &dyn Fn(&Seen, usize, f64) -> bool,
    ) {
        let value = |c: usize, col: usize| match ctx.var.get(&c) {
            Some(&v) if col == ctx.column => Some(base[v]),
            Some(_) => None,
            None => ctx.table.cells[c].values[col],
        };
        let search = Search {
            table: ctx.table,
            member,
            mode: Use::Prove,
            value: &value,
        };
        for &(v, req) in &ctx.checks {
            if proven(seen, v, req) {
                continue;
            }
            let cell = ctx.comp.cells[v];
            let Some(m) = find_move(&search, cell, &[(ctx.column, req)]) else {
                continue;
            };
            let Some((up, down)) = shift_limits(&m.corners, ctx.column, &value) else {
                continue;
            };
            let up = if up.is_finite() { up } else { req + down };
            for t in [up, -down] {
                for &(c, sign) in &m.corners {
                    let w = ctx.var[&c];
                    let x = base[w] + t * sign as f64;
                    let s = &mut seen.0[w];
                    s.0 = s.0.min(x);
                    s.1 = s.1.max(x);
                }
            }
        }
    }

    /// Keeps an LP answer for later rounds, where it can be checked against the true
    /// figures (only then can it be trusted once more cells are unknown).
    fn keep(&mut self, ctx: &Ctx, model: Model, truth: Option<&Vec<f64>>, x: &[f64]) {
        if model != Model::Equal {
            return;
        }
        if let Some(t) = truth {
            let values = x
                .iter()
                .zip(t)
                .enumerate()
                .filter(|(_, (a, b))| (*a - *b).abs() > tol(**b))
                .map(|(v, (a, _))| (ctx.comp.cells[v], *a))
                .collect();
            self.remember(ctx.column, values);
        }
    }

    /// Adds the remembered points that are still feasible: each differs from the true
    /// figures (feasible) by changes that must balance in every relation they touch.
    fn add_known(
        &self,
        ctx: &Ctx,
        member: &[Vec<u32>],
        truth: &[f64],
        known: &[usize],
        seen: &mut Seen,
    ) {
        let mut residual: HashMap<u32, (f64, f64)> = HashMap::new();
        for &p in known {
            let point = &self.pool[p];
            residual.clear();
            let mut ok = true;
            for &(c, value) in &point.values {
                let Some(&v) = ctx.var.get(&c) else {
                    ok = false;
                    break;
                };
                if value < -tol(value) {
                    ok = false;
                    break;
                }
                let delta = value - truth[v];
                for &r in &member[c] {
                    let e = residual.entry(r).or_insert((0.0, 0.0));
                    e.0 += ctx.table.relations[r as usize].coef(c) * delta;
                    e.1 = e.1.max(value.abs()).max(truth[v].abs());
                }
            }
            if !ok || residual.values().any(|&(res, size)| res.abs() > tol(size)) {
                continue;
            }
            for &(c, value) in &point.values {
                let s = &mut seen.0[ctx.var[&c]];
                s.0 = s.0.min(value);
                s.1 = s.1.max(value);
            }
        }
    }
}

impl Ctx<'_> {
    fn finding(&self, v: usize, req: f64, range: [f64; 2], kind: FindingKind) -> Finding {
        let cell = self.comp.cells[v];
        Finding {
            cell,
            label: self.table.cells[cell].label.clone(),
            column: self.table.columns[self.column].name.clone(),
            column_index: self.column,
            lo: range[0],
            hi: range[1],
            required: req,
            kind,
        }
    }
}
