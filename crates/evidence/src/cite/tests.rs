//! RIS and BibTeX: samples written the way Zotero exports them, round trips through our
//! own writers, and duplicate detection.

use super::*;
use observatory_store::evidence::Item;

/// As Zotero 7 exports a report and a journal article to RIS (CRLF line ends, DA and
/// PY both present, an accessed date in Y2, tags in KW, a wrapped abstract).
const ZOTERO_RIS: &str = "TY  - RPRT\r\n\
TI  - Deployment and Impact of Support Staff in Schools: Results from Strand 2, Wave 1\r\n\
AU  - Blatchford, Peter\r\n\
AU  - Bassett, Paul\r\n\
AU  - Brown, Penelope\r\n\
AU  - Martin, Clare\r\n\
AU  - Russell, Anthony\r\n\
AU  - Webster, Rob\r\n\
CY  - London\r\n\
DA  - 2008///\r\n\
PY  - 2008\r\n\
PB  - Institute of Education, University of London\r\n\
SN  - DCSF-RR027\r\n\
ST  - Deployment and Impact of Support Staff in Schools\r\n\
UR  - https://dera.ioe.ac.uk/8279/\r\n\
Y2  - 2024/03/05/14:02:11\r\n\
AB  - The DISS project studied the deployment and impact of support staff\r\n\
   on pupils' academic progress.\r\n\
KW  - support staff\r\n\
KW  - Workforce composition\r\n\
ER  - \r\n\
\r\n\
TY  - JOUR\r\n\
TI  - From Whitlam to economic rationalism and beyond: a conceptual framework for political activism in children's services\r\n\
AU  - Sumsion, Jennifer\r\n\
T2  - Australian Journal of Early Childhood\r\n\
DA  - 2006/03//\r\n\
PY  - 2006\r\n\
DO  - 10.1177/183693910603100102\r\n\
VL  - 31\r\n\
IS  - 1\r\n\
SP  - 1\r\n\
EP  - 10\r\n\
J2  - Aust. J. Early Child.\r\n\
SN  - 1836-9391\r\n\
ER  - \r\n";

/// As Zotero exports the same two to BibTeX (tabs, protective braces, month macro,
/// `--` in pages, an escaped ampersand and an accent).
const ZOTERO_BIB: &str = "
@techreport{blatchford_deployment_2008,
\taddress = {London},
\ttype = {Research {Report}},
\ttitle = {Deployment and {Impact} of {Support} {Staff} in {Schools}: {Results} from {Strand} 2, {Wave} 1},
\turl = {https://dera.ioe.ac.uk/8279/},
\tnumber = {DCSF-RR027},
\tinstitution = {Institute of Education, University of London},
\tauthor = {Blatchford, Peter and Bassett, Paul and Brown, Penelope and Martin, Clare and Russell, Anthony and Webster, Rob},
\tyear = {2008},
\tkeywords = {support staff, Workforce composition},
}

@article{sumsion_whitlam_2006,
\ttitle = {From {Whitlam} to economic rationalism and beyond: a conceptual framework for political activism in children's services},
\tvolume = {31},
\tissn = {1836-9391},
\tdoi = {10.1177/183693910603100102},
\tnumber = {1},
\tjournal = {Australian Journal of Early Childhood},
\tauthor = {Sumsion, Jennifer},
\tmonth = mar,
\tyear = {2006},
\tpages = {1--10},
}

@misc{gtc_values_2007,
\ttitle = {Values for {Integrated} {Working} with {Children} \\& {Young} {People}},
\tauthor = {{General Teaching Council for England} and {Nursing \\& Midwifery Council}},
\tyear = {2007},
\tnote = {Accessed 2024},
\tkeywords = {theme:common\\_core, M{\\\"u}ller},
}
";

fn parsed_ok(text: &str, f: Format) -> Vec<ItemFields> {
    parse(text, f, &ImportOptions::default())
        .unwrap()
        .into_iter()
        .map(|p| {
            p.fields
                .unwrap_or_else(|e| panic!("record {}: {e}", p.record))
        })
        .collect()
}

#[test]
fn zotero_ris_is_read_faithfully() {
    let r = parsed_ok(ZOTERO_RIS, Format::Ris);
    assert_eq!(r.len(), 2);
    let a = &r[0];
    assert_eq!(
        a.title,
        "Deployment and Impact of Support Staff in Schools: Results from Strand 2, Wave 1"
    );
    assert_eq!(a.authors.len(), 6);
    assert_eq!(a.authors[5], "Webster, Rob");
    assert_eq!(a.year, Some(2008));
    assert_eq!(a.item_type, "research_report");
    assert_eq!(
        a.organisation.as_deref(),
        Some("Institute of Education, University of London")
    );
    assert_eq!(a.place.as_deref(), Some("London"));
    assert_eq!(a.report_number.as_deref(), Some("DCSF-RR027"));
    assert_eq!(
        a.summary,
        "The DISS project studied the deployment and impact of support staff on pupils' academic progress."
    );
    assert!(a.tags.has("keyword", "support staff"));
    assert!(a.tags.has("theme", "workforce_composition"), "{:?}", a.tags);
    let b = &r[1];
    assert_eq!(b.item_type, "journal_article");
    assert_eq!(
        b.container.as_deref(),
        Some("Australian Journal of Early Childhood")
    );
    assert_eq!(b.doi.as_deref(), Some("10.1177/183693910603100102"));
    assert_eq!(b.pages.as_deref(), Some("1-10"));
    assert_eq!(
        (b.volume.as_deref(), b.issue.as_deref()),
        (Some("31"), Some("1"))
    );
    assert_eq!(b.report_number, None, "an ISSN is not a report number");
}

#[test]
fn zotero_bibtex_is_read_faithfully() {
    let r = parsed_ok(ZOTERO_BIB, Format::Bibtex);
    assert_eq!(r.len(), 3);
    let ris = parsed_ok(ZOTERO_RIS, Format::Ris);
    // The same works read from either format describe them the same way.
    for (b, r) in r.iter().zip(&ris) {
        assert_eq!(b.title, r.title);
        assert_eq!(b.authors, r.authors);
        assert_eq!(
            (b.year, &b.item_type, &b.doi, &b.pages),
            (r.year, &r.item_type, &r.doi, &r.pages)
        );
        assert_eq!(b.organisation, r.organisation);
    }
    assert_eq!(r[0].report_number.as_deref(), Some("DCSF-RR027"));
    assert_eq!(r[1].issue.as_deref(), Some("1"));
    let c = &r[2];
    assert_eq!(
        c.title,
        "Values for Integrated Working with Children & Young People"
    );
    assert_eq!(
        c.authors,
        [
            "General Teaching Council for England",
            "Nursing & Midwifery Council"
        ]
    );
    assert!(c.tags.has("theme", "common_core"));
    assert!(c.tags.has("keyword", "Müller"));
    assert_eq!(
        c.item_type, "research_report",
        "a misc entry without a type gets the default"
    );
}

fn rich() -> ItemFields {
    let mut tags = Tags::default();
    tags.add("theme", "workforce_reform");
    tags.add("sector", "education");
    tags.add("outcome", "enjoy_achieve");
    tags.add("geography", "england");
    tags.add("provision", "universal");
    tags.add("keyword", "teaching assistants");
    let mut f = ItemFields {
        title: "Developing the Whole School Workforce: {An} Evaluation of the Testbed Programme & 100% of it".into(),
        authors: vec!["Coldwell, M.".into(), "Simkins, T.".into(), "O'Brien, Seán".into()],
        organisation: Some("Sheffield Hallam University".into()),
        publisher: Some("Centre for Education and Inclusion Research".into()),
        year: Some(2008),
        item_type: "evaluation".into(),
        summary: "An evaluation of the testbed programme; costs in $ and #s.".into(),
        link: Some("https://example.org/testbed?x=1&y=2".into()),
        doi: Some("10.1000/testbed_2008".into()),
        strength: Some("moderate".into()),
        container: Some("Research Report Series".into()),
        volume: Some("2".into()),
        issue: Some("4".into()),
        pages: Some("12-40".into()),
        place: Some("Sheffield".into()),
        report_number: Some("RR-945".into()),
        tags,
    };
    check_item(&mut f).unwrap();
    f
}

fn journal() -> ItemFields {
    let mut f = rich();
    f.item_type = "journal_article".into();
    f.title = "Support staff and pupil progress".into();
    f.report_number = None;
    f
}

#[test]
fn our_exports_round_trip_through_both_formats() {
    let mut cases = vec![rich(), journal()];
    for t in [
        "case_study",
        "emerging_practice",
        "data_release",
        "conference_paper",
        "evidence_review",
        "local_workforce_report",
    ] {
        let mut f = rich();
        f.item_type = t.into();
        f.title = format!("A {t} item");
        if t == "conference_paper" {
            f.report_number = None;
        }
        cases.push(f);
    }
    for format in [Format::Ris, Format::Bibtex] {
        let refs: Vec<&ItemFields> = cases.iter().collect();
        let text = export(&refs, format);
        assert_eq!(Format::detect(&text), Some(format));
        let back = parsed_ok(&text, format);
        assert_eq!(back.len(), cases.len());
        for (a, b) in cases.iter().zip(&back) {
            assert_eq!(a, b, "{format:?} round trip of {}:\n{text}", a.item_type);
        }
        // And a second lap gives the same text.
        let again: Vec<&ItemFields> = back.iter().collect();
        assert_eq!(export(&again, format), text);
    }
}

fn stored(id: i64, f: ItemFields) -> Item {
    crate::unsaved_item(id, f)
}

#[test]
fn duplicates_are_reported_not_merged() {
    let existing = vec![
        stored(10, parsed_ok(ZOTERO_RIS, Format::Ris)[1].clone()),
        stored(11, {
            let mut f = rich();
            f.doi = None;
            f.title =
                "Deployment and impact of support staff in schools - results from strand 2 wave 1"
                    .into();
            f
        }),
    ];
    let parsed = parse(ZOTERO_RIS, Format::Ris, &ImportOptions::default()).unwrap();
    let report = plan_import(parsed, &existing, false);
    assert_eq!(report.records, 2);
    assert!(report.to_add.is_empty());
    assert_eq!(report.duplicates.len(), 2);
    assert_eq!(report.duplicates[0].existing_item, Some(11));
    assert!(
        report.duplicates[0]
            .reason
            .starts_with("a near-identical title"),
        "{:?}",
        report.duplicates[0]
    );
    assert_eq!(report.duplicates[1].existing_item, Some(10));
    assert_eq!(
        report.duplicates[1].reason,
        "the same DOI 10.1177/183693910603100102"
    );

    // The same title in another year is another work (a later wave of a survey).
    let mut later = rich();
    later.doi = None;
    later.year = Some(2009);
    let text = export(&[&rich(), &later, &rich()], Format::Bibtex);
    let report = plan_import(
        parse(&text, Format::Bibtex, &ImportOptions::default()).unwrap(),
        &[],
        false,
    );
    assert_eq!(report.to_add.len(), 2);
    assert_eq!(report.duplicates.len(), 1);
    assert_eq!(report.duplicates[0].earlier_record, Some(1));
    assert_eq!(report.duplicates[0].record, 3);
}

#[test]
fn broken_records_are_reported_with_their_number() {
    let text = "TY  - RPRT\nAU  - Nobody\nPY  - 2008\nER  - \nTY  - JOUR\nTI  - Fine\nAU  - Someone\nKW  - theme:nonsense\nER  - \n";
    let report = plan_import(
        parse(text, Format::Ris, &ImportOptions::default()).unwrap(),
        &[],
        false,
    );
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with("record 1: ")
            && report.problems[0].contains("Enter the title")
    );
    assert!(report.problems[1].contains("'nonsense' is not a theme"));
    let bib = "@article{x,\n title = {Unclosed,\n year = 2008\n";
    let r = bibtex::read(bib);
    assert!(
        r[0].as_ref()
            .unwrap_err()
            .to_string()
            .contains("not closed"),
        "{r:?}"
    );
    assert_eq!(Format::detect("hello"), None);
}

#[test]
fn citation_files_over_the_limits_are_refused_in_words() {
    let opts = ImportOptions::default();
    // Too many bytes.
    let big = format!(
        "TY  - RPRT\nTI  - Big\nAB  - {}\nER  - \n",
        "a".repeat(MAX_IMPORT_BYTES)
    );
    let e = parse(&big, Format::Ris, &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the citation file: it is 10.0 MB; files of at most 10 MB are read, so split it into smaller files"
    );
    // Too many records, in either format.
    let ris = "TY  - RPRT\nTI  - T\nER  - \n".repeat(MAX_RECORDS + 1);
    let bib = "@misc{k, title = {T}}\n".repeat(MAX_RECORDS + 1);
    for (text, f) in [(ris, Format::Ris), (bib, Format::Bibtex)] {
        let e = parse(&text, f, &opts).unwrap_err();
        assert!(
            e.to_string()
                .contains("it holds more than 5000 records; at most 5000 are read at a time"),
            "{e}"
        );
    }
    // Exactly the limit is read.
    let ris = "TY  - RPRT\nTI  - T\nER  - \n".repeat(MAX_RECORDS);
    assert_eq!(parse(&ris, Format::Ris, &opts).unwrap().len(), MAX_RECORDS);
    // A field too long, or too many fields: that record is a problem, the rest is read.
    let long = "x".repeat(MAX_FIELD_CHARS + 1);
    let ris = format!(
        "TY  - RPRT\nTI  - Fine\nAU  - Smith, J.\nER  - \nTY  - RPRT\nTI  - Long\nAU  - Smith, J.\nAB  - {long}\nER  - \n"
    );
    let fields: String = (0..=MAX_FIELDS)
        .map(|i| format!("note{i} = {{n}},"))
        .collect();
    let bib = format!(
        "@misc{{many, title = {{Many}}, {fields}}}\n@misc{{ok, title = {{Fine}}, author = {{Smith, J.}}}}\n"
    );
    for (text, format, problem) in [
        (
            ris,
            Format::Ris,
            "record 2: the RIS record: its field AB is 20001 characters long; at most 20000 are read",
        ),
        (
            bib,
            Format::Bibtex,
            "record 1: the BibTeX entry 'many': it has 502 fields; at most 500 are read",
        ),
    ] {
        let report = plan_import(parse(&text, format, &opts).unwrap(), &[], false);
        assert_eq!(report.to_add.len(), 1);
        assert_eq!(report.problems, [problem]);
    }
}

/// Found by fuzzing (fuzz/run, target citations): an unterminated value ending in a
/// backslash stepped past the end of the text and the next read panicked.
#[test]
fn unterminated_values_ending_in_a_backslash_are_reported_not_a_panic() {
    let opts = ImportOptions::default();
    let found = String::from_utf8_lossy(include_bytes!("fuzz-bibtex-trailing-escape.bin"));
    for text in [
        found.as_ref(),
        "@comment{abc\\",
        "@misc{k, title = {abc\\",
        "@misc{k, title = \"abc\\",
    ] {
        for format in [Format::Bibtex, Format::Ris] {
            let _ = parse(text, format, &opts);
        }
    }
    let parsed = parse("@misc{k, title = {abc\\", Format::Bibtex, &opts).unwrap();
    assert_eq!(parsed.len(), 1);
}
