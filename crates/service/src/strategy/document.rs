//! The strategy as a document people read and take to meetings, and the board progress
//! report, built once as a plain document and rendered as HTML, PDF or Word: the same
//! words from the web pages, the command line (`observatory strategy render`, `report`,
//! for scheduled board papers) and the API. The document follows the framework's order;
//! the report gives every objective's status with its chart, overdue actions, the top
//! risks, decisions, and what changed since the last report.

use chrono::NaiveDate;
use observatory_domain::{Unit, codes, long_date, uk_time};
pub use observatory_publish::document::Document;
use observatory_publish::document::{Block, Table, Tone, to_docx, to_html, to_pdf};

use super::{ObjectiveStatus, Status, Strategy, framework, judge_all, read};
use crate::answers::Answers;
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::Actor;
use crate::query::measure_units;
use observatory_strategy::framework::Kind;

/// A format a document is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Docx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            "docx" | "word" => Some(Format::Docx),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

/// A document in a format, as bytes. Printing a PDF waits on Chromium (up to a minute),
/// so it runs off the async threads.
pub async fn render(doc: Document, format: Format) -> Result<Vec<u8>, ServiceError> {
    Ok(match format {
        Format::Html => to_html(&doc).into_bytes(),
        Format::Docx => to_docx(&doc)?,
        Format::Pdf => tokio::task::spawn_blocking(move || to_pdf(&doc))
            .await
            .map_err(anyhow::Error::from)??,
    })
}

fn tone(s: Status) -> Tone {
    match s {
        Status::Achieved | Status::OnTrack => Tone::Good,
        Status::AtRisk => Tone::Caution,
        Status::OffTrack => Tone::Bad,
        Status::NotEnoughData => Tone::Neutral,
    }
}

/// A value in its indicator's unit.
fn shown(o: &observatory_strategy::Objective, v: f64) -> String {
    let unit = match &o.indicator {
        observatory_strategy::Indicator::Bound { measure, .. } => {
            measure_units(measure).map_or(Unit::Ratio, |u| u.0)
        }
        _ if (0.0..=1.0).contains(&v) => Unit::Percentage,
        _ => Unit::Ratio,
    };
    unit.format(v)
}

fn table(caption: &str, head: &[&str], rows: Vec<Vec<String>>, numeric: &[bool]) -> Block {
    Block::Table(Table {
        caption: caption.to_string(),
        head: head.iter().map(|h| h.to_string()).collect(),
        rows,
        numeric: numeric.to_vec(),
    })
}

/// Each objective's status, value, date and milestones, as a table.
fn objectives_table(judged: &[ObjectiveStatus]) -> Block {
    let rows = judged
        .iter()
        .map(|j| {
            let (o, s) = (&j.objective, &j.judgement);
            vec![
                o.title.clone(),
                o.owner.clone(),
                format!(
                    "{}{}",
                    s.status.label(),
                    if s.stale { " (stale)" } else { "" }
                ),
                s.value
                    .map(|v| shown(o, v))
                    .unwrap_or_else(|| "suppressed or none".into()),
                s.observed_at.map(long_date).unwrap_or_default(),
                std::iter::once(&o.baseline)
                    .chain(&o.milestones)
                    .map(|p| format!("{} by {}", shown(o, p.value), long_date(p.date)))
                    .collect::<Vec<_>>()
                    .join(", then "),
            ]
        })
        .collect();
    table(
        "Objectives and how they stand",
        &[
            "Objective",
            "Owner",
            "Status",
            "Latest",
            "As at",
            "Baseline and milestones",
        ],
        rows,
        &[false, false, false, true, false, false],
    )
}

fn actions_table(s: &Strategy, today: NaiveDate, only_overdue: bool) -> Block {
    let rows = s
        .actions
        .iter()
        .filter(|a| !only_overdue || a.overdue(today))
        .map(|a| {
            vec![
                a.title.clone(),
                a.owner.clone(),
                a.partners.join(", "),
                long_date(a.due),
                format!(
                    "{}{}",
                    a.status.label(),
                    if a.overdue(today) { ", overdue" } else { "" }
                ),
            ]
        })
        .collect();
    table(
        if only_overdue {
            "Overdue actions"
        } else {
            "Actions"
        },
        &["Action", "Owner", "Partners", "Due", "Status"],
        rows,
        &[],
    )
}

fn risks_table(s: &Strategy, top: usize) -> Block {
    let mut risks: Vec<_> = s.risks.iter().collect();
    risks.sort_by_key(|r| std::cmp::Reverse(r.score()));
    let rows = risks
        .into_iter()
        .take(top)
        .map(|r| {
            vec![
                r.title.clone(),
                r.likelihood.to_string(),
                r.impact.to_string(),
                format!("{} ({})", r.rating(), r.score()),
                r.mitigation.clone(),
                r.owner.clone(),
                r.review.map(long_date).unwrap_or_default(),
            ]
        })
        .collect();
    table(
        "Risk register (likelihood and impact from 1 to 5)",
        &[
            "Risk",
            "Likelihood",
            "Impact",
            "Rating",
            "Mitigation",
            "Owner",
            "Review by",
        ],
        rows,
        &[false, true, true],
    )
}

fn decisions_blocks(s: &Strategy) -> Vec<Block> {
    s.decisions
        .iter()
        .flat_map(|d| {
            let mut rested: Vec<String> = d
                .evidence
                .iter()
                .map(|n| format!("Evidence library item {n}"))
                .collect();
            rested.extend(d.queries.iter().map(|q| format!("Explorer: {q}")));
            rested.extend(
                d.figures
                    .iter()
                    .map(|f| format!("{}: {} ({})", f.label, f.value, long_date(f.date))),
            );
            let mut b = vec![
                Block::Heading {
                    level: 3,
                    text: d.title.clone(),
                },
                Block::Paragraph(format!("Decided on {} by {}.", long_date(d.date), d.by)),
            ];
            if !d.detail.is_empty() {
                b.push(Block::Paragraph(d.detail.clone()));
            }
            if !rested.is_empty() {
                b.push(Block::Paragraph("It rested on:".into()));
                b.push(Block::Bullets(rested));
            }
            b
        })
        .collect()
}

fn text_blocks(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| Block::Paragraph(p.trim().to_string()))
        .collect()
}

/// The strategy as a document, its objectives judged on `today`.
pub async fn document(
    db: &Database,
    actor: Actor<'_>,
    answers: &Answers,
    id: &str,
    today: NaiveDate,
) -> Result<Document, ServiceError> {
    let (s, stored) = read(db, actor, id).await?;
    let judged = judge_all(db, actor, answers, &s, &stored.areas, today).await?;
    let f = framework();
    let c = codes();
    let mut blocks = Vec::new();
    for section in &f.sections {
        blocks.push(Block::Heading {
            level: 1,
            text: section.heading.clone(),
        });
        blocks.extend(text_blocks(s.section_text(&section.key)));
        match section.kind {
            Kind::Scope => {
                blocks.push(Block::Paragraph("Partners:".into()));
                blocks.push(Block::Bullets(f.partner_labels(&s.scope.partners)));
                blocks.push(Block::Paragraph("Parts of the workforce:".into()));
                blocks.push(Block::Bullets(
                    s.scope
                        .sectors
                        .iter()
                        .map(|x| c.label_of("sector", x))
                        .collect(),
                ));
            }
            Kind::Swot => {
                for (label, points) in [
                    ("Strengths", &s.swot.strengths),
                    ("Weaknesses", &s.swot.weaknesses),
                    ("Opportunities", &s.swot.opportunities),
                    ("Threats", &s.swot.threats),
                ] {
                    blocks.push(Block::Heading {
                        level: 2,
                        text: label.into(),
                    });
                    blocks.push(Block::Bullets(points.clone()));
                }
            }
            Kind::Objectives => blocks.push(objectives_table(&judged)),
            Kind::Actions => blocks.push(actions_table(&s, today, false)),
            Kind::Risks => blocks.push(risks_table(&s, usize::MAX)),
            Kind::Resources => {
                let t = s.resources.totals();
                let money = |v: f64| Unit::Money.format(v);
                blocks.push(table(
                    "Funding streams and what each partner pools",
                    &[
                        "Funding stream",
                        "Partner",
                        "A year",
                        "Pooled",
                        "Training budget",
                    ],
                    s.resources
                        .funding
                        .iter()
                        .map(|x| {
                            vec![
                                x.stream.clone(),
                                x.partner.clone(),
                                money(x.amount),
                                money(x.pooled),
                                if x.training { "Yes" } else { "No" }.into(),
                            ]
                        })
                        .collect(),
                    &[false, false, true, true, false],
                ));
                blocks.push(Block::Paragraph(format!(
                    "Available: {} a year, of which {} pooled and {} in training budgets. Needed: {}. {}",
                    money(t.available),
                    money(t.pooled),
                    money(t.training),
                    money(t.required),
                    if t.gap > 0.0 {
                        format!("The gap is {}.", money(t.gap))
                    } else {
                        "There is no gap.".to_string()
                    }
                )));
            }
            Kind::Decisions => blocks.extend(decisions_blocks(&s)),
            Kind::Text | Kind::Generated => {}
        }
    }
    Ok(Document {
        title: s.title.clone(),
        subtitle: Some(format!(
            "{}. Version {}, figures as at {}.",
            stored
                .areas
                .iter()
                .map(|a| c.area_name(a))
                .collect::<Vec<_>>()
                .join(", "),
            stored.version,
            long_date(today)
        )),
        blocks,
    })
}

/// The board progress report on `today`: every objective's status, overdue actions, the
/// top risks, decisions and what changed since the last report. With `record`, the
/// report is recorded (by `by`) so that the next one says what changed since this one.
pub async fn board_report(
    db: &Database,
    actor: Actor<'_>,
    answers: &Answers,
    id: &str,
    today: NaiveDate,
    record: Option<&str>,
) -> Result<Document, ServiceError> {
    let (s, stored) = read(db, actor, id).await?;
    let judged = judge_all(db, actor, answers, &s, &stored.areas, today).await?;
    let last = db.store.last_strategy_report(id).await?;
    let mut blocks = vec![Block::Heading {
        level: 1,
        text: "Objectives".into(),
    }];
    for j in &judged {
        let (o, st) = (&j.objective, &j.judgement);
        let latest = match (st.value, st.observed_at) {
            (Some(v), Some(d)) => format!("{} on {}", shown(o, v), long_date(d)),
            (None, Some(d)) => format!("suppressed on {} to protect individuals", long_date(d)),
            _ => "no figure yet".into(),
        };
        blocks.push(Block::Status {
            tone: tone(st.status),
            label: st.status.label().into(),
            text: format!(
                "{}: {latest}{}; target {} by {}. Owner: {}.",
                o.title,
                st.trajectory
                    .map(|t| format!(" against {} on the line", shown(o, t)))
                    .unwrap_or_default(),
                shown(o, o.target().value),
                long_date(o.target().date),
                o.owner
            ),
        });
        // Its chart and the figures behind it, with where the trend leads.
        let view = super::series::objective(db, actor, answers, id, &o.id, today).await?;
        let place = super::series::place(&view.areas);
        blocks.push(Block::Chart {
            title: o.title.clone(),
            svg: super::series::chart(&view, &place),
            table: Table {
                caption: format!("{}: figures at each date", o.title),
                head: vec![
                    "Date".into(),
                    place.clone(),
                    "England".into(),
                    "Statistical neighbours".into(),
                    "Trajectory".into(),
                ],
                rows: super::series::rows(&view)
                    .into_iter()
                    .map(|r| vec![r.date, r.area, r.england, r.neighbours, r.trajectory])
                    .collect(),
                numeric: vec![false, true, true, true, true],
            },
        });
        blocks.push(Block::Paragraph(super::series::trend_sentence(&view)));
        // The attached projection's forecast, as the objective's page gives it.
        if let Some(f) = super::forecast::forecast(db, actor, o).await? {
            let said = match f.status {
                Some(st) => format!("{} on the forecast. {}", st.label(), f.sentence),
                None => f.sentence,
            };
            blocks.push(Block::Paragraph(format!(
                "{said} (Projection: {}.)",
                f.scenario_name
            )));
        }
    }
    blocks.push(objectives_table(&judged));
    blocks.push(Block::Heading {
        level: 1,
        text: "Overdue actions".into(),
    });
    if s.actions.iter().any(|a| a.overdue(today)) {
        blocks.push(actions_table(&s, today, true));
    } else {
        blocks.push(Block::Paragraph("No action is overdue.".into()));
    }
    blocks.push(Block::Heading {
        level: 1,
        text: "Top risks".into(),
    });
    blocks.push(risks_table(&s, 5));
    blocks.push(Block::Heading {
        level: 1,
        text: "Decisions".into(),
    });
    blocks.extend(decisions_blocks(&s));
    blocks.push(Block::Heading {
        level: 1,
        text: match &last {
            Some((_, at)) => format!("What changed since the last report ({})", uk_time(at)),
            None => "What changed (this is the first report)".into(),
        },
    });
    let since = last.as_ref().map_or(0, |(v, _)| *v);
    let changes: Vec<String> = db
        .store
        .strategy_versions(id)
        .await?
        .into_iter()
        .rev()
        .filter(|v| v.version > since)
        .map(|v| {
            format!(
                "{} ({}, {})",
                v.summary,
                v.imported_by,
                uk_time(&v.imported_at)
            )
        })
        .collect();
    if changes.is_empty() {
        blocks.push(Block::Paragraph("Nothing has changed.".into()));
    } else {
        blocks.push(Block::Bullets(changes));
    }
    if let Some(by) = record {
        db.store
            .record_strategy_report(id, stored.version, by)
            .await?;
    }
    Ok(Document {
        title: format!("Board progress report: {}", s.title),
        subtitle: Some(format!(
            "Figures as at {}. Strategy version {}.",
            long_date(today),
            stored.version
        )),
        blocks,
    })
}
