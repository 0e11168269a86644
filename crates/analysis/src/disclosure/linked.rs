//! The general model disclosure control works on: cells holding non-negative figures and
//! additive relations between them ("this cell = the sum of those cells"). One model for
//! a single table with margins, several tables sharing cells, and an area hierarchy, so
//! secondary suppression and the auditor need not know where a relation came from.
//! Also builds that model from query results, linking identical cells across tables,
//! and the numerators and denominators of rates to the cells of the counts they equal
//! ([`super::quantities`]).

use std::collections::HashMap;

use crate::disclosure::quantities;
use crate::disclosure::{Hierarchy, TOTAL_KEY};
use crate::measures::{self, Def, MeasureKind};
use crate::query::{MIN_SUPPRESSION_THRESHOLD, QueryResult, ResultRow};

/// Lattice coordinate of a cell that is a total (or does not have) that breakdown.
pub(crate) const TOTAL: u32 = u32::MAX;

/// Whether and why a cell's figures are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Shown: its figures are known to every reader.
    Published,
    /// Hidden because it rests on fewer people (or posts) than the threshold.
    Primary,
    /// Hidden so that a primary cell cannot be worked out from the others.
    Secondary,
    /// A margin that no table shows (an implied total, such as the grand total of a
    /// table published without totals). Unknown to a reader unless derivable; it needs
    /// no protection of its own.
    Hidden,
}

impl Status {
    /// Primary or secondary: a shown row whose figures are withheld.
    pub fn is_suppressed(self) -> bool {
        matches!(self, Status::Primary | Status::Secondary)
    }
}

/// One published (or protected) quantity of every cell, e.g. a rate's numerator.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// For messages: "value", "numerator", "denominator", "basis".
    pub name: String,
    /// Whether a primary cell's range in this column must be at least the threshold
    /// wide (the column counts the people the threshold is about). Every other
    /// suppressed figure must merely not be derivable exactly.
    pub width: bool,
}

/// A cell: one figure of a table (or of several tables that show it).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Says which figure this is, for findings.
    pub label: String,
    /// The true figure per column; `None` where it is not known to whoever built the
    /// table (an auditor given only published tables).
    pub values: Vec<Option<f64>>,
    /// What hiding it costs; secondary suppression hides the smallest first.
    pub cost: f64,
    /// Whether it is shown.
    pub status: Status,
    /// Position in the lattice of breakdowns (one code per breakdown, [`TOTAL`] for a
    /// margin), for the hypercube search; `None` for hand-built tables.
    pub(crate) coords: Option<Box<[u32]>>,
    /// The census date (as an interned id) of a lattice cell: cells on different
    /// pages are never linked.
    pub(crate) page: u32,
}

/// `total` = sum of `parts`, in every column.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// The margin.
    pub total: usize,
    /// What it adds up.
    pub parts: Vec<usize>,
    /// False where the margin is not strictly the sum: headcount-like figures count a
    /// person with posts in two groups once in the total. The auditor then still tries
    /// the relation as an equality first (the attacker's best case) and relaxes it to
    /// "largest part <= total <= sum of parts" only where the published figures
    /// contradict the equality.
    pub exact: bool,
    /// The lattice breakdown it runs along, [`TOTAL`] if none.
    pub(crate) dim: u32,
}

impl Relation {
    /// The relation's cells, total first.
    pub fn cells(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }

    /// +1 for the total, -1 for a part: the relation reads `sum(coef * x) = 0`.
    pub(crate) fn coef(&self, cell: usize) -> f64 {
        if cell == self.total { 1.0 } else { -1.0 }
    }
}

/// Cells and the additive relations between them, with the suppression threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedTable {
    pub(crate) columns: Vec<Column>,
    pub(crate) cells: Vec<Cell>,
    pub(crate) relations: Vec<Relation>,
    pub(crate) threshold: f64,
    /// Cell by (page, lattice coordinates...), for the hypercube search.
    pub(crate) by_coords: HashMap<Box<[u32]>, usize>,
}

impl LinkedTable {
    /// An empty table with these columns; `threshold` is raised to
    /// [`MIN_SUPPRESSION_THRESHOLD`] if lower.
    pub fn new(columns: Vec<Column>, threshold: u64) -> LinkedTable {
        LinkedTable {
            columns,
            cells: Vec::new(),
            relations: Vec::new(),
            threshold: threshold.max(MIN_SUPPRESSION_THRESHOLD) as f64,
            by_coords: HashMap::new(),
        }
    }

    /// Adds a cell and returns its index. `values` has one entry per column; a
    /// published cell with a missing value is taken as [`Status::Hidden`] (nobody can
    /// read a figure that is not there).
    ///
    /// # Panics
    /// If `values` does not have one entry per column.
    pub fn add_cell(
        &mut self,
        label: impl Into<String>,
        values: Vec<Option<f64>>,
        cost: f64,
        status: Status,
    ) -> usize {
        assert_eq!(
            values.len(),
            self.columns.len(),
            "a cell needs one value per column"
        );
        let status = if status == Status::Published && values.iter().any(Option::is_none) {
            Status::Hidden
        } else {
            status
        };
        self.cells.push(Cell {
            label: label.into(),
            values,
            cost,
            status,
            coords: None,
            page: 0,
        });
        self.cells.len() - 1
    }

    /// Declares `total` = sum of `parts` (see [`Relation::exact`]).
    ///
    /// # Panics
    /// If a cell index is out of range or the total is among its parts.
    pub fn add_relation(&mut self, total: usize, parts: Vec<usize>, exact: bool) {
        self.push_relation(total, parts, exact, TOTAL);
    }

    pub(crate) fn push_relation(&mut self, total: usize, parts: Vec<usize>, exact: bool, dim: u32) {
        assert!(
            total < self.cells.len() && parts.iter().all(|&p| p < self.cells.len()),
            "a relation names a cell that does not exist"
        );
        assert!(!parts.contains(&total), "a total cannot be its own part");
        self.relations.push(Relation {
            total,
            parts,
            exact,
            dim,
        });
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The cells, by index.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The relations.
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// The threshold (as raised to the minimum).
    pub fn threshold(&self) -> u64 {
        self.threshold as u64
    }

    /// Changes a cell's status, e.g. to show what the auditor says when a secondary
    /// suppression is taken away.
    pub fn set_status(&mut self, cell: usize, status: Status) {
        self.cells[cell].status = status;
    }

    /// How many cells have this status.
    pub fn count(&self, status: Status) -> usize {
        self.cells.iter().filter(|c| c.status == status).count()
    }

    /// For each cell, the relations it is in (as total or part).
    pub(crate) fn memberships(&self) -> Vec<Vec<u32>> {
        let mut of = vec![Vec::new(); self.cells.len()];
        for (r, rel) in self.relations.iter().enumerate() {
            for c in rel.cells() {
                of[c].push(r as u32);
            }
        }
        of
    }

    /// Whether every known value of a column is a whole number (then an attacker can
    /// round a feasible range inwards).
    pub(crate) fn integral(&self, column: usize) -> bool {
        self.cells
            .iter()
            .filter_map(|c| c.values[column])
            .all(|v| v.fract() == 0.0)
    }

    /// The range a suppressed cell must keep in a column: the threshold for a primary
    /// cell in a width column, else just more than one value.
    pub(crate) fn required(&self, cell: usize, column: usize, integral: bool) -> f64 {
        if self.cells[cell].status == Status::Primary && self.columns[column].width {
            self.threshold
        } else if integral {
            1.0
        } else {
            0.0
        }
    }

    fn set_coords(&mut self, cell: usize, key: Box<[u32]>) {
        self.cells[cell].coords = Some(key[1..].into());
        self.cells[cell].page = key[0];
        self.by_coords.insert(key, cell);
    }

    /// The cell at `page` and `coords`, if any.
    pub(crate) fn cell_at(&self, key: &[u32]) -> Option<usize> {
        self.by_coords.get(key).copied()
    }
}

/// A linked table built from query results, and which row each cell came from.
pub(crate) struct Linked {
    pub table: LinkedTable,
    /// (table index, row index, cell) for every cell a row shows, a row's entries
    /// together and its main figure's (a rate's numerator) first. A row is hidden when
    /// any of its cells is.
    pub rows: Vec<(usize, usize, usize)>,
    /// Cells that rest on fewer people than the threshold yet some row shows: given
    /// away outright (only in tables protected elsewhere and audited here).
    pub exposed: Vec<usize>,
}

impl Linked {
    /// Published cells that no row shows any more: every row showing them also shows
    /// a suppressed cell, so it is hidden whole (a rate's denominator whose numerator
    /// is suppressed, where no count table prints it). Readers see a `c` for them, so
    /// they must be protected as secondary cells.
    pub(crate) fn orphans(&self) -> Vec<usize> {
        let cells = &self.table.cells;
        let mut shown = vec![false; cells.len()];
        for entries in self.rows.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            if entries
                .iter()
                .all(|&(_, _, c)| !cells[c].status.is_suppressed())
            {
                entries.iter().for_each(|&(_, _, c)| shown[c] = true);
            }
        }
        (0..cells.len())
            .filter(|&c| cells[c].status == Status::Published && !shown[c])
            .collect()
    }
}

/// Whether a measure's margins are exact sums of their parts.
fn additive(measure: &str) -> bool {
    measures::find(measure)
        .map(|m| !matches!(m.def, Def::People { .. } | Def::GenderPayGap))
        .unwrap_or(false)
}

/// How the tables of a group become cells: one cell per row of each measure (pay
/// statistics, ratios), or the cells of the quantities a row's figures count
/// ([`quantities`]), shared by every measure that prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Group {
    Measure(String),
    Quantities,
}

impl Group {
    fn of(table: &QueryResult) -> Group {
        match quantities::shape(&table.measure) {
            Some(_) => Group::Quantities,
            None => Group::Measure(table.measure.trim().to_ascii_lowercase()),
        }
    }

    /// The figures of a cell besides its count, the last column (`basis`): their
    /// names and whether one may count the people the threshold is about.
    fn layout(&self, kind: MeasureKind) -> &'static [(&'static str, bool)] {
        match (self, kind) {
            (Group::Quantities, _) | (_, MeasureKind::Count) => &[("value", true)],
            (_, MeasureKind::Rate) => &[("numerator", false), ("denominator", true)],
            (_, MeasureKind::Statistic) => &[],
        }
    }

    /// The cells a row shows.
    fn figures(&self, table: &QueryResult, row: &ResultRow, threshold: u64) -> Vec<Figure> {
        let withheld = |v: Option<f64>| if row.suppressed { None } else { v };
        let basis = withheld(Some(row.basis as f64));
        match self {
            Group::Measure(measure) => {
                let mut values: Vec<Option<f64>> = match table.kind {
                    MeasureKind::Count => vec![row.numerator],
                    MeasureKind::Rate => vec![row.numerator, row.denominator],
                    MeasureKind::Statistic => Vec::new(),
                };
                values.iter_mut().for_each(|v| *v = withheld(*v));
                values.push(basis);
                vec![Figure {
                    page: measure.clone(),
                    exact: additive(measure),
                    values,
                    count: row.basis,
                    primary: crate::cellkey::below_threshold(row, table.kind, threshold),
                }]
            }
            Group::Quantities => {
                let Some(shape) = quantities::shape(&table.measure) else {
                    return Vec::new();
                };
                quantities::shown(&shape, row, threshold)
                    .into_iter()
                    .map(|s| Figure {
                        page: s.quantity.name.clone(),
                        exact: s.quantity.exact,
                        values: vec![withheld(s.value), withheld(Some(s.count as f64))],
                        count: s.count,
                        primary: s.primary,
                    })
                    .collect()
            }
        }
    }
}

/// One figure a row shows, before it is linked to the same figure shown elsewhere.
struct Figure {
    /// What it is a figure of: a measure, or a quantity.
    page: String,
    /// Whether the page's margins are exact sums of their parts.
    exact: bool,
    /// One value per layout column, then its count; `None` where withheld.
    values: Vec<Option<f64>>,
    /// How many people or posts it counts: what hiding it costs.
    count: u64,
    /// Whether it rests on too few people to be shown.
    primary: bool,
}

/// The columns of a group: the layout's, a column counting people only if every
/// figure in it equals its count, and the count (`basis`) as a column of its own
/// unless one already does.
fn columns_of(layout: &[(&'static str, bool)], figures: &[&Figure]) -> Vec<Column> {
    let mut cols: Vec<Column> = layout
        .iter()
        .enumerate()
        .map(|(k, &(name, may_count))| Column {
            name: name.into(),
            width: may_count
                && figures
                    .iter()
                    .all(|f| f.values[k].is_none_or(|v| v == f.count as f64)),
        })
        .collect();
    if !cols.iter().any(|c| c.width) {
        cols.push(Column {
            name: "basis".into(),
            width: true,
        });
    }
    cols
}

/// Interns the codes of one breakdown.
#[derive(Default)]
struct Codes {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Codes {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), self.names.len() as u32 - 1);
        self.names.len() as u32 - 1
    }
}

/// Builds the linked tables of `tables`: one for every measure whose figures are not
/// sums of people, and one for all the quantities the other measures print. A cell is
/// identified by its measure or quantity, its census date and the set of breakdown
/// values it is not a total of, so `area=A, sector=total` in one table and
/// `area=A, role=total` in another are the same cell, and so are leavers by sector and
/// the numerators of turnover by sector. Implied margins that no table shows become
/// [`Status::Hidden`] cells. A cell is primary if any row shows it as resting on too
/// few people; else published if any row shows its figures; else (every row showing
/// it already suppressed) secondary.
pub(crate) fn link(
    tables: &[QueryResult],
    hierarchies: &[Hierarchy],
    threshold: u64,
) -> Vec<Linked> {
    let threshold = threshold.max(MIN_SUPPRESSION_THRESHOLD);
    let mut groups: Vec<(Group, Vec<usize>)> = Vec::new();
    for (t, table) in tables.iter().enumerate() {
        let g = Group::of(table);
        match groups.iter_mut().find(|(x, _)| *x == g) {
            Some((_, ts)) => ts.push(t),
            None => groups.push((g, vec![t])),
        }
    }
    groups
        .into_iter()
        .map(|(g, ts)| link_group(tables, &g, &ts, hierarchies, threshold))
        .collect()
}

/// What the rows showing one cell say of it.
#[derive(Default, Clone, Copy)]
struct Seen {
    primary: bool,
    shown: bool,
}

fn link_group(
    tables: &[QueryResult],
    group: &Group,
    ts: &[usize],
    hierarchies: &[Hierarchy],
    threshold: u64,
) -> Linked {
    let shows: Vec<(usize, usize, Vec<Figure>)> = ts
        .iter()
        .flat_map(|&t| {
            tables[t]
                .rows
                .iter()
                .enumerate()
                .map(move |(i, row)| (t, i, group.figures(&tables[t], row, threshold)))
        })
        .collect();
    let layout = group.layout(tables[ts[0]].kind);
    let all: Vec<&Figure> = shows.iter().flat_map(|(_, _, f)| f).collect();
    let columns = columns_of(layout, &all);
    let ncols = columns.len();
    let mut table = LinkedTable::new(columns, threshold);

    // The union of breakdowns (census_date is a page, never totalled).
    let mut dims: Vec<String> = Vec::new();
    for &t in ts {
        for d in &tables[t].by {
            if d != "census_date" && !dims.contains(d) {
                dims.push(d.clone());
            }
        }
    }
    let mut codes: Vec<Codes> = dims.iter().map(|_| Codes::default()).collect();
    // A page per (measure or quantity, census date); cells on different pages are
    // linked only through the rows that show them.
    let mut pages = Codes::default();
    let mut page_info: Vec<(String, bool)> = Vec::new();
    let mut seen: Vec<Seen> = Vec::new();
    let mut linked_rows = Vec::new();

    for (t, i, figures) in &shows {
        let (by, keys) = (&tables[*t].by, &tables[*t].rows[*i].keys);
        let date = by
            .iter()
            .zip(keys)
            .find(|(d, _)| *d == "census_date")
            .map_or("", |(_, v)| v.as_str());
        for f in figures {
            let page = pages.id(&format!("{}\u{1f}{date}", f.page));
            if page as usize == page_info.len() {
                page_info.push((f.page.clone(), f.exact));
            }
            let mut key = vec![TOTAL; dims.len() + 1];
            key[0] = page;
            for (d, value) in by.iter().zip(keys) {
                if d != "census_date" && value != TOTAL_KEY {
                    let k = dims.iter().position(|x| x == d).unwrap_or(0);
                    key[k + 1] = codes[k].id(value);
                }
            }
            // The count is the last value, a column only where no layout column counts.
            let values = f.values[..ncols].to_vec();
            let cell = match table.cell_at(&key) {
                Some(c) => {
                    let cell = &mut table.cells[c];
                    for (have, new) in cell.values.iter_mut().zip(&values) {
                        *have = have.or(*new);
                    }
                    c
                }
                None => {
                    let label = label(&f.page, by, keys);
                    let c = table.add_cell(label, values, f.count as f64, Status::Published);
                    table.set_coords(c, key.into());
                    seen.push(Seen::default());
                    c
                }
            };
            let row_shown = !tables[*t].rows[*i].suppressed;
            seen[cell].primary |= f.primary;
            seen[cell].shown |= row_shown;
            linked_rows.push((*t, *i, cell));
        }
    }
    let mut exposed = Vec::new();
    for (c, s) in seen.iter().enumerate() {
        let cell = &mut table.cells[c];
        cell.status = match (s.primary, s.shown) {
            (true, _) => Status::Primary,
            (false, true) if cell.values.iter().any(Option::is_none) => Status::Hidden,
            (false, true) => Status::Published,
            (false, false) => Status::Secondary,
        };
        if s.primary && s.shown && cell.values.iter().all(Option::is_some) {
            exposed.push(c);
        }
    }

    // Hierarchy parents per breakdown, as code ids.
    let parent_of: Vec<HashMap<u32, u32>> = dims
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let mut map = HashMap::new();
            for h in hierarchies.iter().filter(|h| &h.breakdown == d) {
                let p = codes[k].id(&h.parent);
                for c in &h.children {
                    map.insert(codes[k].id(c), p);
                }
            }
            map
        })
        .collect();

    let names: Vec<&[String]> = codes.iter().map(|c| c.names.as_slice()).collect();
    relate(&mut table, &dims, &names, &parent_of, &page_info);
    Linked {
        table,
        rows: linked_rows,
        exposed,
    }
}

fn label(page: &str, by: &[String], keys: &[String]) -> String {
    let parts: Vec<String> = by
        .iter()
        .zip(keys)
        .map(|(d, k)| format!("{d}={k}"))
        .collect();
    format!("{page} [{}]", parts.join(", "))
}

/// A line of cells: the key of the margin they add up to, and the breakdown along
/// which they vary.
type Line = (Box<[u32]>, usize);

/// Adds the relations along every breakdown, level by level from the most detailed
/// cells up, creating hidden margins where no table shows one.
fn relate(
    table: &mut LinkedTable,
    dims: &[String],
    names: &[&[String]],
    parent_of: &[HashMap<u32, u32>],
    pages: &[(String, bool)],
) {
    let level = |t: &LinkedTable, c: usize| {
        t.cells[c]
            .coords
            .as_ref()
            .map(|k| k.iter().filter(|&&x| x != TOTAL).count())
            .unwrap_or(0)
    };
    let top = (0..table.cells.len())
        .map(|c| level(table, c))
        .max()
        .unwrap_or(0);
    for lvl in (1..=top).rev() {
        let at_level: Vec<usize> = (0..table.cells.len())
            .filter(|&c| level(table, c) == lvl)
            .collect();
        // (base key, breakdown) -> members (code, cell), in cell order.
        let mut lines: HashMap<Line, Vec<(u32, usize)>> = HashMap::new();
        let mut order: Vec<Line> = Vec::new();
        for &c in &at_level {
            let coords = table.cells[c].coords.clone().unwrap_or_default();
            for (k, &code) in coords.iter().enumerate() {
                if code == TOTAL {
                    continue;
                }
                let mut base: Vec<u32> = Vec::with_capacity(coords.len() + 1);
                base.push(table.cells[c].page);
                base.extend_from_slice(&coords);
                base[k + 1] = TOTAL;
                let key = (base.into_boxed_slice(), k);
                let entry = lines.entry(key.clone()).or_default();
                if entry.is_empty() {
                    order.push(key);
                }
                entry.push((code, c));
            }
        }
        for key in order {
            let members = &lines[&key];
            let (base, k) = (&key.0, key.1);
            let (page, exact) = (&pages[base[0] as usize].0, pages[base[0] as usize].1);
            let present: HashMap<u32, usize> = members.iter().copied().collect();
            // Hierarchy relations: a parent present on this line = its children here.
            let mut top_level = Vec::new();
            let mut children: HashMap<u32, Vec<usize>> = HashMap::new();
            for &(code, c) in members {
                match parent_of[k].get(&code).filter(|p| present.contains_key(p)) {
                    Some(p) => children.entry(*p).or_default().push(c),
                    None => top_level.push(c),
                }
            }
            let mut parents: Vec<(&u32, &Vec<usize>)> = children.iter().collect();
            parents.sort_by_key(|(p, _)| present[p]);
            for (p, kids) in parents {
                table.push_relation(present[p], kids.clone(), exact, k as u32);
            }
            let total = match table.cell_at(base) {
                Some(t) => t,
                None => {
                    let values = (0..table.columns.len())
                        .map(|col| {
                            let vs: Option<Vec<f64>> = top_level
                                .iter()
                                .map(|&c| table.cells[c].values[col])
                                .collect();
                            vs.filter(|_| exact).map(|v| v.iter().sum())
                        })
                        .collect::<Vec<_>>();
                    let label = format!(
                        "{page} [{}] (implied margin, not shown)",
                        base[1..]
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| **c != TOTAL)
                            .map(|(d, &c)| format!("{}={}", dims[d], names[d][c as usize]))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let cost = top_level.iter().map(|&c| table.cells[c].cost).sum();
                    let t = table.add_cell(label, values, cost, Status::Hidden);
                    table.set_coords(t, base.clone());
                    t
                }
            };
            table.push_relation(total, top_level, exact, k as u32);
        }
    }
}
