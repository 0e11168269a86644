//! A call for evidence from opening to its report: public submissions (with files),
//! the moderation queue, and what the call shows back.

use chrono::NaiveDate;
use observatory_evidence::calls::{Changes, Decision, SubmissionInput};
use observatory_evidence::{CallFields, Library, SearchRequest, SubmissionFields, Tags};
use observatory_store::testing::TestDb;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn submission(title: &str, email: &str) -> SubmissionFields {
    SubmissionFields {
        submitter_name: "Pat Jones".into(),
        submitter_email: email.into(),
        title: title.into(),
        authors: vec!["Jones, P.".into()],
        organisation: Some("Somerset County Council".into()),
        year: Some(2009),
        item_type: "emerging_practice".into(),
        summary: "A buddy scheme for newly qualified social workers in their first year.".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_call_takes_submissions_moderates_them_and_reports_back() {
    for db in TestDb::both().await {
        let lib = Library::in_memory(db.store.clone()).await.unwrap();
        let mut tags = Tags::default();
        tags.add("theme", "motivation");
        tags.add("sector", "social_care");
        let e = lib
            .open_call(
                CallFields {
                    question: "What keeps social workers?".into(),
                    deadline: "soon".into(),
                    ..Default::default()
                },
                "analyst",
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not a date") && e.contains("at least one theme"),
            "{e}"
        );
        let call = lib
            .open_call(
                CallFields {
                    question: "What helps newly qualified social workers stay?".into(),
                    details: "Evaluations, case studies and local reports welcome.".into(),
                    deadline: "2009-03-31".into(),
                    tags,
                },
                "analyst",
            )
            .await
            .unwrap();
        assert_eq!(call.token.len(), 24);
        assert_eq!(call.status, "open");

        let before = day("2009-03-01");
        let with_file = SubmissionInput {
            fields: submission(
                "Buddy scheme for new social workers",
                "pat@somerset.example",
            ),
            file: Some((
                "buddy.txt".into(),
                b"Retention after one year rose from 70% to 85%.".to_vec(),
            )),
        };
        let a = lib.submit(&call.token, with_file, before).await.unwrap();
        let b = lib
            .submit(
                &call.token,
                SubmissionInput {
                    fields: submission("Buddy scheme (second copy)", "pat@somerset.example"),
                    file: None,
                },
                before,
            )
            .await
            .unwrap();
        let c = lib
            .submit(
                &call.token,
                SubmissionInput {
                    fields: submission("Training courses for sale", "sales@vendor.example"),
                    file: None,
                },
                before,
            )
            .await
            .unwrap();
        // Wrong link, bad fields, a disallowed file, after the deadline: all refused.
        let e = lib
            .submit("not-a-token", SubmissionInput::default(), before)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("does not lead to a call"), "{e}");
        let e = lib
            .submit(
                &call.token,
                SubmissionInput {
                    fields: submission("x", "nobody"),
                    file: None,
                },
                before,
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not an email address"), "{e}");
        let e = lib
            .submit(
                &call.token,
                SubmissionInput {
                    fields: submission("x", "a@b.example"),
                    file: Some(("evil.html".into(), b"<script>\x00".to_vec())),
                },
                before,
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a PDF, a Word document"), "{e}");
        let e = lib
            .submit(
                &call.token,
                SubmissionInput {
                    fields: submission("late", "a@b.example"),
                    file: None,
                },
                day("2009-04-01"),
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("closed on 2009-03-31"), "{e}");
        assert_eq!(
            db.store.pending_call_submissions().await.unwrap().len(),
            3,
            "{}",
            db.name
        );

        // Accept: a new item tagged to the call, with the call's themes and the file.
        let mut changes = Changes {
            strength: Some("indicative".into()),
            ..Default::default()
        };
        changes.tags.add("outcome", "stay_safe");
        let item = lib
            .moderate(a, Decision::Accept(changes), "moderator")
            .await
            .unwrap()
            .unwrap();
        let stored = lib.item(item).await.unwrap();
        assert_eq!(stored.calls, vec![call.id]);
        assert!(
            stored.fields.tags.has("theme", "motivation")
                && stored.fields.tags.has("outcome", "stay_safe")
        );
        assert_eq!(stored.fields.strength.as_deref(), Some("indicative"));
        assert_eq!(db.store.attachments(item).await.unwrap().len(), 1);
        // The file's words are searchable.
        let r = lib
            .search(&SearchRequest {
                text: "retention rose".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![item]);
        // Merge the second copy into it; reject the advert with a reason.
        assert_eq!(
            lib.moderate(b, Decision::Merge(item), "moderator")
                .await
                .unwrap(),
            Some(item)
        );
        let e = lib
            .moderate(c, Decision::Reject("  ".into()), "moderator")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("say why"), "{e}");
        lib.moderate(
            c,
            Decision::Reject("an advertisement, not evidence".into()),
            "moderator",
        )
        .await
        .unwrap();
        let e = lib
            .moderate(c, Decision::Merge(item), "moderator")
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("already rejected by moderator"),
            "{e}"
        );
        assert!(
            db.store
                .pending_call_submissions()
                .await
                .unwrap()
                .is_empty()
        );

        let report = lib.call_report(call.id).await.unwrap();
        assert_eq!(report.received, 3);
        assert_eq!(report.by_status["accepted"], 1);
        assert_eq!(report.by_status["merged"], 1);
        assert_eq!(report.by_status["rejected"], 1);
        assert_eq!(report.by_status["pending"], 0);
        assert_eq!(
            report.items,
            vec![(item, "Buddy scheme for new social workers".to_string())]
        );
        assert_eq!(report.by_type["emerging_practice"], 2);
        assert!(report.submissions[0].has_file);
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            !json.contains("pat@somerset.example"),
            "the report must not show email addresses"
        );

        let feed = lib
            .feed(
                &observatory_evidence::feed::Scope::Call(call.id),
                "https://obs.example",
                20,
            )
            .await
            .unwrap();
        assert_eq!(
            atom_syndication::Feed::read_from(feed.as_bytes())
                .unwrap()
                .entries
                .len(),
            1
        );
        db.store.close_call(call.id).await.unwrap();
        let e = lib
            .submit(
                &call.token,
                SubmissionInput {
                    fields: submission("after close", "a@b.example"),
                    file: None,
                },
                before,
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no longer taken"), "{e}");
    }
}
