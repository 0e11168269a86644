//! Items, search, register, imports, gap map and feeds against real databases.

use observatory_evidence::cite::{Format, ImportOptions};
use observatory_evidence::gaps::{Columns, GapOptions};
use observatory_evidence::{ItemFields, Library, RegisterFields, SearchRequest, Tags};
use observatory_store::testing::TestDb;

fn item(title: &str, theme: &str) -> ItemFields {
    let mut tags = Tags::default();
    tags.add("theme", theme);
    tags.add("sector", "education");
    ItemFields {
        title: title.into(),
        organisation: Some("TDA".into()),
        year: Some(2008),
        item_type: "research_report".into(),
        summary: "Continuing professional development for teachers.".into(),
        tags,
        ..Default::default()
    }
}

fn search(text: &str) -> SearchRequest {
    SearchRequest {
        text: text.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_index_follows_the_database_across_processes() {
    for db in TestDb::both().await {
        let dir = db.dir().join("index");
        let lib = Library::open(db.store.clone(), Some(dir.clone()))
            .await
            .unwrap();
        let id = lib
            .add_item(
                item("CPD in England: State of the Nation", "qualifications"),
                &[],
                "t",
            )
            .await
            .unwrap();
        lib.attach(
            id,
            "notes.txt",
            b"Mentoring of newly qualified teachers".to_vec(),
        )
        .await
        .unwrap();
        let r = lib.search(&search("mentoring")).await.unwrap();
        assert_eq!(r.hits.len(), 1, "{}", db.name);
        assert!(!r.stale);
        // Another "process": a second library on the same database and index folder
        // sees what the first wrote, and catches up with later writes.
        drop(lib);
        let other = Library::open(db.store.clone(), Some(dir.clone()))
            .await
            .unwrap();
        assert_eq!(other.search(&search("mentoring")).await.unwrap().total, 1);
        db.store
            .insert_item(
                &item("Staff Development Outcomes Study", "workforce_reform"),
                "t",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(
            other.search(&search("outcomes study")).await.unwrap().total,
            1
        );
        // An edited item is found by its new words only.
        let mut f = other.item(id).await.unwrap().fields;
        f.title = "Professional learning survey".into();
        db.store.update_item(id, &f).await.unwrap();
        assert_eq!(other.search(&search("nation")).await.unwrap().total, 0);
        assert_eq!(
            other
                .search(&search("professional learning survey"))
                .await
                .unwrap()
                .total,
            1
        );
        assert_eq!(other.reindex().await.unwrap(), 2);
        // An index folder of another database is rebuilt, never mixed in.
        let db2 = TestDb::sqlite().await;
        let third = Library::open(db2.store.clone(), Some(dir.clone()))
            .await
            .unwrap();
        assert_eq!(
            third.search(&SearchRequest::default()).await.unwrap().total,
            0,
            "{}",
            db.name
        );
        // Bad input is refused with the reason.
        let mut bad = item("", "nonsense");
        bad.year = Some(1066);
        let e = other.add_item(bad, &[], "t").await.unwrap_err().to_string();
        assert!(
            e.contains("Enter the title") && e.contains("'nonsense' is not a theme"),
            "{e}"
        );
        let e = other
            .attach(id, "x.exe", b"MZ\x90\x00".to_vec())
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a PDF"), "{e}");
        let link = other
            .link_decision(id, "CB-2010/4.2", Some("recruitment action"), "planner")
            .await
            .unwrap();
        assert!(link > 0);
        assert!(
            other
                .link_decision(9999, "CB-2010/4.2", None, "planner")
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn registering_a_study_flags_likely_duplication() {
    for db in TestDb::both().await {
        let lib = Library::in_memory(db.store.clone()).await.unwrap();
        lib.import_demo("demo").await.unwrap();
        let again = lib.import_demo("demo").await.unwrap();
        assert!(again.already_there, "{}", db.name);
        let mut tags = Tags::default();
        tags.add("theme", "workforce_reform");
        tags.add("sector", "education");
        let (id, similar) = lib
            .register(
                RegisterFields {
                    title: "The impact of support staff in schools on pupil outcomes".into(),
                    organisation: "Local university".into(),
                    status: "planned".into(),
                    tags,
                    ..Default::default()
                },
                "analyst",
            )
            .await
            .unwrap();
        assert!(id > 0);
        assert!(similar[0].likely_duplicate, "{similar:#?}");
        // Since the demo items carry descriptions (which say "support staff" often, so
        // the words weigh less), a study of school leadership and pupil outcomes can come
        // first; the support staff studies must still be flagged among the first three.
        assert!(
            similar[..3]
                .iter()
                .any(|s| s.title.contains("Support Staff") && s.likely_duplicate),
            "a support staff study should be among the closest: {similar:#?}"
        );
        // Items are compared too (the demo's own support staff report, whose long
        // description now places it below the register's entries).
        let wider = lib
            .similar_to(
                &RegisterFields {
                    title: "The impact of support staff in schools on pupil outcomes".into(),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert!(
            wider.iter().any(|s| s.kind == "register") && wider.iter().any(|s| s.kind == "item"),
            "{wider:#?}"
        );
        assert!(similar.windows(2).all(|w| w[0].score >= w[1].score));
        // Something unrelated is not flagged.
        let none = lib
            .similar_to(
                &RegisterFields {
                    title: "Bus timetables in Cornwall".into(),
                    ..Default::default()
                },
                5,
            )
            .await
            .unwrap();
        assert!(none.iter().all(|s| !s.likely_duplicate), "{none:#?}");
    }
}

#[tokio::test]
async fn demo_content_feeds_the_gap_map_search_and_feeds() {
    for db in TestDb::both().await {
        let lib = Library::in_memory(db.store.clone()).await.unwrap();
        let loaded = lib.import_demo("demo").await.unwrap();
        assert!(loaded.items >= 50 && loaded.register_entries >= 25);
        let r = lib.search(&search("support staff")).await.unwrap();
        assert!(r.hits[0].title.contains("Support Staff"), "{}", db.name);
        let mut f = SearchRequest::default();
        f.add_filter("type", "evidence_review").unwrap();
        assert_eq!(lib.search(&f).await.unwrap().total, 4);

        let map = lib
            .gap_map(&GapOptions {
                as_of: 2009,
                recent_years: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        let cell = |theme: &str, col: &str| {
            let t = map.themes.iter().position(|x| x.code == theme).unwrap();
            let c = map.columns.iter().position(|x| x.code == col).unwrap();
            map.cells[t][c].clone()
        };
        // CWDC's 2008 review of workforce reform synthesises that theme for social care.
        assert_eq!(
            cell("workforce_reform", "social_care").status,
            "synthesised"
        );
        // Excellence in sport, play and culture: nothing known, nothing under way.
        assert_eq!(cell("excellence", "sport_culture").status, "nothing");
        let ed = cell("workforce_reform", "education");
        assert!(
            ed.ongoing >= 10,
            "the DCSF and TDA studies under way: {ed:?}"
        );
        // As of today the 2008 review is no longer recent.
        let now = lib.gap_map(&GapOptions::default()).await.unwrap();
        assert!(
            now.cells
                .iter()
                .flatten()
                .all(|c| c.status != "synthesised")
        );
        let outcomes = lib
            .gap_map(&GapOptions {
                columns: Columns::Outcome,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(outcomes.cells.iter().flatten().any(|c| c.completed > 0));

        let feed = lib
            .feed(
                &observatory_evidence::feed::Scope::All,
                "https://obs.example",
                10,
            )
            .await
            .unwrap();
        let parsed = atom_syndication::Feed::read_from(feed.as_bytes()).unwrap();
        assert_eq!(parsed.entries.len(), 10);
    }
}

#[tokio::test]
async fn citation_imports_report_duplicates_and_round_trip() {
    for db in TestDb::both().await {
        let lib = Library::in_memory(db.store.clone()).await.unwrap();
        lib.import_demo("demo").await.unwrap();
        let items = db.store.items().await.unwrap();
        let refs: Vec<&ItemFields> = items.iter().map(|i| &i.fields).collect();
        for format in [Format::Ris, Format::Bibtex] {
            let text = observatory_evidence::cite::export(&refs, format);
            // Importing the library's own export finds every record a duplicate.
            let report = lib
                .import_citations(&text, format, &ImportOptions::default(), "t", false)
                .await
                .unwrap();
            assert_eq!(report.records, items.len(), "{}", db.name);
            assert!(report.added.is_empty(), "{:?}", report.added);
            assert_eq!(report.duplicates.len(), items.len());
            assert!(report.problems.is_empty(), "{:?}", report.problems);
            // Into an empty library, the same file gives the same items back.
            let empty = TestDb::sqlite().await;
            let lib2 = Library::in_memory(empty.store.clone()).await.unwrap();
            // The demo holds a presentation and a report of the same title and year:
            // reported as a likely duplicate, and kept when asked.
            let dry = lib2
                .import_citations(&text, format, &ImportOptions::default(), "t", true)
                .await
                .unwrap();
            assert_eq!(dry.duplicates.len(), 1, "{format:?}: {:?}", dry.duplicates);
            assert_eq!(
                dry.duplicates[0].title,
                "Beyond Workforce Reform: Raising Achievement"
            );
            let keep = ImportOptions {
                keep_duplicates: true,
                ..Default::default()
            };
            let r2 = lib2
                .import_citations(&text, format, &keep, "t", false)
                .await
                .unwrap();
            assert_eq!(
                r2.added.len(),
                items.len(),
                "{format:?}: {:?}",
                r2.duplicates
            );
            let back = empty.store.items().await.unwrap();
            for (a, b) in items.iter().zip(&back) {
                assert_eq!(a.fields, b.fields, "{format:?}");
            }
        }
        // A dry run stores nothing.
        let one = "TY  - RPRT\nTI  - A new local workforce report\nAU  - Someone, A.\nPY  - 2009\nER  - \n";
        let dry = lib
            .import_citations(one, Format::Ris, &ImportOptions::default(), "t", true)
            .await
            .unwrap();
        assert_eq!(dry.to_add.len(), 1);
        assert!(dry.added.is_empty());
        assert_eq!(db.store.items().await.unwrap().len(), items.len());
    }
}
