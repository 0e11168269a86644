//! Store-level tests of the evidence tables, run on SQLite and on PostgreSQL.

use super::*;
use crate::testing::TestDb;

fn item(title: &str) -> ItemFields {
    let mut tags = Tags::default();
    tags.add("theme", "qualifications");
    tags.add("sector", "early_years");
    ItemFields {
        title: title.into(),
        authors: vec!["Moyles, J.".into(), "Adams, S.".into()],
        organisation: Some("DfES".into()),
        year: Some(2002),
        item_type: "research_report".into(),
        summary: "Pedagogical effectiveness in early learning.".into(),
        report_number: Some("RR363".into()),
        tags,
        ..Default::default()
    }
}

fn file(name: &str, text: &str) -> NewAttachment {
    NewAttachment {
        file_name: name.into(),
        media_type: "text/plain".into(),
        content: text.as_bytes().to_vec(),
        sha256: "00".repeat(32),
        text: text.into(),
    }
}

#[tokio::test]
async fn items_round_trip_and_bump_the_generation() {
    for db in TestDb::both().await {
        let s = &db.store;
        let (instance, g0) = s.evidence_state().await.unwrap();
        assert_eq!(instance.len(), 32, "{}", db.name);
        let id = s
            .insert_item(
                &item("SPEEL"),
                "tester",
                &[file("a.txt", "mentoring notes")],
            )
            .await
            .unwrap();
        let got = s.item(id).await.unwrap().unwrap();
        assert_eq!(got.fields, item("SPEEL"), "{}", db.name);
        let (_, g1) = s.evidence_state().await.unwrap();
        assert!(g1 > g0);
        assert_eq!(got.revision, g1);
        // Only items written after a revision come back for the index.
        assert_eq!(s.items_since(g1).await.unwrap().len(), 0);
        let since = s.items_since(g0).await.unwrap();
        assert_eq!(since[0].attachment_text, "mentoring notes");
        let mut changed = item("SPEEL revised");
        changed.tags.add("outcome", "enjoy_achieve");
        s.update_item(id, &changed).await.unwrap();
        assert_eq!(s.item(id).await.unwrap().unwrap().fields, changed);
        assert_eq!(s.items_since(g1).await.unwrap().len(), 1);
        assert!(s.update_item(id + 99, &changed).await.is_err());
        let atts = s.attachments(id).await.unwrap();
        assert_eq!(atts.len(), 1);
        assert_eq!(atts[0].size, 15);
        assert_eq!(
            s.attachment_content(atts[0].id).await.unwrap().unwrap(),
            b"mentoring notes"
        );
        let ids = s
            .insert_items(&[item("A"), item("B")], "tester")
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(s.items().await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn register_calls_submissions_and_decisions() {
    for db in TestDb::both().await {
        let s = &db.store;
        let mut tags = Tags::default();
        tags.add("theme", "workforce_reform");
        let e = s
            .insert_register(
                &RegisterFields {
                    title: "Team Around the Child models".into(),
                    organisation: "CWDC".into(),
                    status: "in_progress".into(),
                    due_date: Some("2009-02-01".into()),
                    due_note: Some("February 2009".into()),
                    tags: tags.clone(),
                    ..Default::default()
                },
                "tester",
            )
            .await
            .unwrap();
        let entries = s.register_entries().await.unwrap();
        assert_eq!(entries[0].fields.tags, tags, "{}", db.name);
        let item_id = s.insert_item(&item("Report"), "t", &[]).await.unwrap();
        s.set_register_status(e, "reported", Some(item_id))
            .await
            .unwrap();
        let entries = s.register_entries().await.unwrap();
        assert_eq!(entries[0].fields.status, "reported");
        assert_eq!(entries[0].fields.item_id, Some(item_id));

        let call = s
            .insert_call(
                &CallFields {
                    question: "What works in induction?".into(),
                    deadline: "2030-01-31".into(),
                    tags: tags.clone(),
                    ..Default::default()
                },
                "tok123",
                "analyst",
            )
            .await
            .unwrap();
        assert_eq!(s.call_by_token("tok123").await.unwrap().unwrap().id, call);
        assert_eq!(s.call(call).await.unwrap().unwrap().fields.tags, tags);
        let sub = |title: &str, with_file: bool| SubmissionFields {
            submitter_name: "Ann".into(),
            submitter_email: "ann@example.org".into(),
            title: title.into(),
            authors: vec!["Ann, A.".into()],
            item_type: "case_study".into(),
            summary: "An induction programme.".into(),
            file: with_file.then(|| file("case.txt", "induction buddy scheme")),
            ..Default::default()
        };
        let a = s
            .insert_call_submission(call, &sub("Induction in Kent", true))
            .await
            .unwrap();
        let b = s
            .insert_call_submission(call, &sub("Same report", false))
            .await
            .unwrap();
        let c = s
            .insert_call_submission(call, &sub("Advert", false))
            .await
            .unwrap();
        assert_eq!(s.pending_call_submissions().await.unwrap().len(), 3);
        assert_eq!(
            s.call_submission(a).await.unwrap().unwrap().file_size,
            Some(22)
        );
        assert_eq!(
            s.call_submission_file(a).await.unwrap().unwrap(),
            b"induction buddy scheme"
        );

        let new_item = s
            .accept_submission(a, &item("Induction in Kent"), "mod")
            .await
            .unwrap();
        let got = s.item(new_item).await.unwrap().unwrap();
        assert_eq!(got.calls, vec![call], "{}", db.name);
        assert_eq!(
            s.attachments(new_item).await.unwrap()[0].sha256,
            "00".repeat(32)
        );
        assert!(s.accept_submission(a, &item("again"), "mod").await.is_err());

        s.merge_submission(b, item_id, &item("Report"), "mod")
            .await
            .unwrap();
        assert_eq!(s.item(item_id).await.unwrap().unwrap().calls, vec![call]);
        s.reject_submission(c, "an advertisement, not evidence", "mod")
            .await
            .unwrap();
        let subs = s.call_submissions(call).await.unwrap();
        let statuses: Vec<_> = subs.iter().map(|s| s.status.as_str()).collect();
        assert_eq!(statuses, ["accepted", "merged", "rejected"]);
        assert_eq!(
            subs[2].reason.as_deref(),
            Some("an advertisement, not evidence")
        );
        assert_eq!(subs[1].item_id, Some(item_id));
        assert!(s.pending_call_submissions().await.unwrap().is_empty());

        s.close_call(call).await.unwrap();
        assert!(s.close_call(call).await.is_err());
        assert_eq!(s.calls().await.unwrap()[0].status, "closed");

        s.link_decision(item_id, "CB-2010/obj-3", Some("recruitment"), "planner")
            .await
            .unwrap();
        s.link_decision(item_id, "CB-2010/obj-3", Some("updated"), "planner")
            .await
            .unwrap();
        let links = s.decision_links(Some(item_id)).await.unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].note.as_deref(), Some("updated"));
        assert!(s.link_decision(9999, "x", None, "p").await.is_err());
    }
}
