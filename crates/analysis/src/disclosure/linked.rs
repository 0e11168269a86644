//! The general model disclosure control works on: cells holding non-negative figures and
//! additive relations between them ("this cell = the sum of those cells"). One model for
//! a single table with margins, several tables sharing cells, and an area hierarchy, so
//! secondary suppression and the auditor need not know where a relation came from.
//! Also builds that model from query results, linking identical cells across tables.

use std::collections::HashMap;

use crate::disclosure::{Hierarchy, TOTAL_KEY};
use crate::measures::{self, Def, MeasureKind};
use crate::query::{MIN_SUPPRESSION_THRESHOLD, QueryResult};

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
    /// (table index, row index, cell) for every row.
    pub rows: Vec<(usize, usize, usize)>,
}

/// Whether a measure's margins are exact sums of their parts.
fn additive(measure: &str) -> bool {
    measures::find(measure)
        .map(|m| !matches!(m.def, Def::People { .. } | Def::GenderPayGap))
        .unwrap_or(false)
}

/// The figures of a row that disclosure control protects, in column order, and the
/// columns. The basis (people or posts behind the figure) is a column of its own
/// unless a published column already equals it.
fn columns_of(kind: MeasureKind, rows: &[&crate::query::ResultRow]) -> Vec<(Column, Getter)> {
    let same = |g: Getter| {
        rows.iter()
            .filter_map(|r| g(r).map(|v| (v, r.basis)))
            .all(|(v, b)| v == b as f64)
    };
    let col = |name: &str, width: bool, g: Getter| {
        (
            Column {
                name: name.into(),
                width,
            },
            g,
        )
    };
    let num: Getter = |r| r.numerator;
    let den: Getter = |r| r.denominator;
    let basis: Getter = |r| Some(r.basis as f64);
    let mut cols = match kind {
        MeasureKind::Count => vec![col("value", same(num), num)],
        MeasureKind::Rate => vec![
            col("numerator", false, num),
            col("denominator", same(den), den),
        ],
        MeasureKind::Statistic => Vec::new(),
    };
    if !cols.iter().any(|(c, _)| c.width) {
        cols.push(col("basis", true, basis));
    }
    cols
}

type Getter = fn(&crate::query::ResultRow) -> Option<f64>;

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

/// Builds one linked table per measure from `tables`. A row's cell is identified by
/// its measure, census date and the set of breakdown values it is not a total of, so
/// `area=A, sector=total` in one table and `area=A, role=total` in another are the same
/// cell. Implied margins that no table shows become [`Status::Hidden`] cells. Rows
/// already suppressed keep that status (primary if their basis is below the
/// threshold); other rows below the threshold become primary.
pub(crate) fn link(
    tables: &[QueryResult],
    hierarchies: &[Hierarchy],
    threshold: u64,
) -> Vec<Linked> {
    let threshold = threshold.max(MIN_SUPPRESSION_THRESHOLD);
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (t, table) in tables.iter().enumerate() {
        let m = table.measure.trim().to_ascii_lowercase();
        match groups.iter_mut().find(|(g, _)| *g == m) {
            Some((_, ts)) => ts.push(t),
            None => groups.push((m, vec![t])),
        }
    }
    groups
        .into_iter()
        .map(|(measure, ts)| link_group(tables, &measure, &ts, hierarchies, threshold))
        .collect()
}

fn link_group(
    tables: &[QueryResult],
    measure: &str,
    ts: &[usize],
    hierarchies: &[Hierarchy],
    threshold: u64,
) -> Linked {
    let rows: Vec<&crate::query::ResultRow> = ts
        .iter()
        .flat_map(|&t| tables[t].rows.iter().filter(|r| !r.suppressed))
        .collect();
    let kind = tables[ts[0]].kind;
    let cols = columns_of(kind, &rows);
    let exact = additive(measure);
    let mut table = LinkedTable::new(cols.iter().map(|(c, _)| c.clone()).collect(), threshold);

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
    let mut pages = Codes::default();
    let mut linked_rows = Vec::new();

    for &t in ts {
        let by = &tables[t].by;
        for (i, row) in tables[t].rows.iter().enumerate() {
            let mut key = vec![TOTAL; dims.len() + 1];
            key[0] = 0;
            for (d, value) in by.iter().zip(&row.keys) {
                if d == "census_date" {
                    key[0] = pages.id(value);
                } else if value != TOTAL_KEY {
                    let k = dims.iter().position(|x| x == d).unwrap_or(0);
                    key[k + 1] = codes[k].id(value);
                }
            }
            let cell = match table.cell_at(&key) {
                Some(c) => c,
                None => {
                    let primary = row.basis < threshold;
                    let status = match (primary, row.suppressed) {
                        (true, _) => Status::Primary,
                        (false, true) => Status::Secondary,
                        (false, false) => Status::Published,
                    };
                    let values = cols
                        .iter()
                        .map(|(_, g)| if row.suppressed { None } else { g(row) })
                        .collect();
                    let label = label(measure, by, &row.keys);
                    let c = table.add_cell(label, values, row.basis as f64, status);
                    table.set_coords(c, key.clone().into());
                    c
                }
            };
            linked_rows.push((t, i, cell));
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
    relate(&mut table, &dims, &names, &parent_of, measure, exact);
    Linked {
        table,
        rows: linked_rows,
    }
}

fn label(measure: &str, by: &[String], keys: &[String]) -> String {
    let parts: Vec<String> = by
        .iter()
        .zip(keys)
        .map(|(d, k)| format!("{d}={k}"))
        .collect();
    format!("{measure} [{}]", parts.join(", "))
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
    measure: &str,
    exact: bool,
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
                        "{measure} [{}] (implied margin, not shown)",
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
