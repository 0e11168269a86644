//! Writing a strategy in the web: planners change it section by section and item by
//! item, each change a version saying who changed what; forms say what is wrong and store
//! nothing; a change made on an old version is refused; strategy partners read their
//! areas' strategies and update only the actions they own; decisions show on the
//! evidence they rested on.

use crate::support::*;
use observatory_service::Actor;
use observatory_service::policy::Role;

async fn history(c: &Client, id: &str) -> String {
    let page = c.get(&format!("/strategies/{id}/history")).await;
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// The version a strategy's form was made on.
async fn version(c: &Client, path: &str) -> String {
    let page = c.get(path).await.text().await.unwrap();
    between(&page, "name=\"version\" value=\"", "\"").to_string()
}

fn date(name: &str, d: &str, out: &mut Vec<(String, String)>) {
    let parts: Vec<&str> = d.split('/').collect();
    for (p, v) in ["day", "month", "year"].iter().zip(parts) {
        out.push((format!("{name}-{p}"), v.to_string()));
    }
}

async fn post(c: &Client, path: &str, form: &[(String, String)]) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    c.post_form(path, &form).await
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn a_planner_writes_a_strategy_and_every_change_is_a_version() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    crate::strategies::add_strategy(&s, "mine", A1).await;
    let planner = s.client("planner@t.example").await;
    let form = "/strategies/mine/objectives/new/edit";
    let page = planner.get(form).await.text().await.unwrap();
    assert!(
        page.contains("Measured by") && page.contains("First milestone date"),
        "{page}"
    );

    // Wrong: nothing stored, each problem beside its field in GOV.UK's words.
    let v = version(&planner, form).await;
    let mut bad = fields(&[
        ("version", &v),
        ("owner", "Workforce lead"),
        ("measure", "headcount"),
    ]);
    date("baseline", "31/2/2024", &mut bad);
    bad.push(("baseline_value".into(), "lots".into()));
    let res = post(&planner, form, &bad).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for m in [
        "Enter the objective",
        "Baseline date must be a real date",
        "Baseline value must be a number or a percentage, like 55%",
        "Enter the first milestone date",
    ] {
        assert!(html.contains(m), "{m}: {html}");
    }
    assert!(title(&html).starts_with("Error: "));
    let h = history(&planner, "mine").await;
    let versions = h
        .matches("govuk-table__cell govuk-table__cell--numeric")
        .count();
    assert_eq!(versions, 1, "{h}");

    // Right: a new objective bound to a census measure, judged at once.
    let mut good = fields(&[
        ("version", &v),
        ("title", "More people in post"),
        ("owner", "Workforce lead"),
        ("owner_email", "planner@t.example"),
        ("measure", "headcount"),
        ("baseline_value", "5"),
        ("m1_value", "30"),
    ]);
    date("baseline", "1/11/2024", &mut good);
    date("m1", "1/11/2027", &mut good);
    let res = post(&planner, form, &good).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let page = planner.get("/strategies/mine").await.text().await.unwrap();
    let row = between(&page, "id=\"objective-more-people-in-post\"", "</tr>");
    // About 19 people on 1 November 2025 against a line from 5 to 30: on track.
    assert!(
        row.contains(">On track</strong>") && row.contains("5 by 1 November 2024"),
        "{row}"
    );

    // Sections, the SWOT and the scope, each by its own form.
    let v = version(&planner, "/strategies/mine/sections/pilots").await;
    let res = post(
        &planner,
        "/strategies/mine/sections/pilots",
        &fields(&[("version", &v), ("text", "A shared induction course.")]),
    )
    .await;
    assert_eq!(res.status(), 303);
    let v = version(&planner, "/strategies/mine/sections/current_position").await;
    let res = post(
        &planner,
        "/strategies/mine/sections/current_position",
        &fields(&[
            ("version", &v),
            ("text", "Hard to recruit."),
            ("strengths", "Good training\nStable leaders"),
            ("threats", "Pay, and competition"),
        ]),
    )
    .await;
    assert_eq!(res.status(), 303);
    let v = version(&planner, "/strategies/mine/sections/scope").await;
    let res = post(
        &planner,
        "/strategies/mine/sections/scope",
        &fields(&[
            ("version", &v),
            ("partners", "police"),
            ("partners", "health"),
            ("sectors", "early_years"),
        ]),
    )
    .await;
    assert_eq!(res.status(), 303);
    // An action already past its date is flagged overdue.
    let v = version(&planner, "/strategies/mine/actions/new/edit").await;
    let mut action = fields(&[
        ("version", &v),
        ("title", "Recruitment fair"),
        ("owner", "Lead"),
        ("owner_email", "planner@t.example"),
        ("status", "in_progress"),
        ("objective", "posts"),
    ]);
    date("due", "1/2/2020", &mut action);
    assert_eq!(
        post(&planner, "/strategies/mine/actions/new/edit", &action)
            .await
            .status(),
        303
    );

    let page = planner.get("/strategies/mine").await.text().await.unwrap();
    for shown in [
        "A shared induction course.",
        "Stable leaders",
        "Pay, and competition",
        "Police",
        "Early years and childcare",
        "Recruitment fair",
    ] {
        assert!(page.contains(shown), "{shown}");
    }
    let row = between(&page, "id=\"action-recruitment-fair\"", "</tr>");
    assert!(
        row.contains(">Overdue</strong>") && row.contains("For: More posts filled"),
        "{row}"
    );
    let mine = planner.get("/strategies").await.text().await.unwrap();
    assert!(
        between(&mine, "id=\"owned\"", "</table>").contains("Recruitment fair"),
        "{mine}"
    );

    let h = history(&planner, "mine").await;
    for said in [
        "Imported the strategy file.",
        "Added the objective \u{2018}More people in post\u{2019}.",
        "Changed the section \u{2018}Pilots and quick wins\u{2019}.",
        "Changed the swot.",
        "Changed the scope.",
        "Added the action \u{2018}Recruitment fair\u{2019}.",
    ] {
        assert!(
            h.contains(
                &said
                    .replace('\u{2018}', "&#8216;")
                    .replace('\u{2019}', "&#8217;")
            ) || h.contains(said),
            "{said}: {h}"
        );
    }
    assert!(h.contains("planner@t.example"));

    // A form made on an old version is refused, and the newer change kept.
    let res = post(
        &planner,
        "/strategies/mine/sections/pilots",
        &fields(&[("version", "1"), ("text", "Overwritten")]),
    )
    .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Someone else changed this strategy")
    );
    let page = planner.get("/strategies/mine").await.text().await.unwrap();
    assert!(page.contains("A shared induction course.") && !page.contains("Overwritten"));

    // Export gives the whole file, with what was written here.
    let json = observatory_service::strategy::export(&s.state.db, Actor::Operator, "mine")
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["sections"]["pilots"], "A shared induction course.");
    assert_eq!(
        v["scope"]["partners"],
        serde_json::json!(["police", "health"])
    );
    assert_eq!(v["objectives"][2]["indicator"]["measure"], "headcount");
}

#[tokio::test]
async fn partners_read_their_areas_strategies_and_update_only_the_actions_they_own() {
    let s = start(Backend::Postgres, true, |_| {}).await;
    s.add_user("partner@t.example", Role::Partner, &[A1], &[])
        .await;
    s.add_user("planner2@t.example", Role::Planner, &[A2], &[])
        .await;
    let json = r#"{"id": "shared", "title": "Shared strategy", "areas": ["E06000001"], "objectives": [],
      "actions": [
        {"id": "own", "title": "Men into childcare workshops", "owner": "Voluntary sector", "owner_email": "Partner@t.example", "due": "2020-01-31"},
        {"id": "theirs", "title": "Council pay review", "owner": "HR", "due": "2030-01-31"}]}"#;
    observatory_service::strategy::import(&s.state.db, Actor::Operator, json, "test")
        .await
        .unwrap();

    let partner = s.client("partner@t.example").await;
    let list = partner.get("/strategies").await.text().await.unwrap();
    assert!(list.contains("href=\"/strategies/shared\""));
    assert!(between(&list, "id=\"owned\"", "</table>").contains("Men into childcare workshops"));
    assert_eq!(partner.get("/dashboard").await.status(), 403);
    assert_eq!(
        partner
            .get("/strategies/shared/sections/pilots")
            .await
            .status(),
        403
    );
    assert_eq!(
        partner
            .get("/strategies/shared/actions/theirs/edit")
            .await
            .status(),
        403
    );
    assert_eq!(
        partner
            .get("/strategies/shared/risks/new/edit")
            .await
            .status(),
        403
    );
    let form = partner
        .get("/strategies/shared/actions/own/edit")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("name=\"status\"") && !form.contains("name=\"title\""),
        "{form}"
    );

    let v = version(&partner, "/strategies/shared/actions/own/edit").await;
    let denied = post(
        &partner,
        "/strategies/shared/actions/theirs/edit",
        &fields(&[("version", &v), ("status", "done")]),
    )
    .await;
    assert_eq!(denied.status(), 403);
    // Only the status and note are read from an owner's form, whatever else is posted.
    let res = post(
        &partner,
        "/strategies/shared/actions/own/edit",
        &fields(&[
            ("version", &v),
            ("status", "done"),
            ("note", "Held on 3 March"),
            ("title", "Renamed"),
            ("due-day", "1"),
        ]),
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = partner
        .get("/strategies/shared")
        .await
        .text()
        .await
        .unwrap();
    let row = between(&page, "id=\"action-own\"", "</tr>");
    assert!(
        row.contains(">Done</strong>")
            && row.contains("Held on 3 March")
            && row.contains("Men into childcare workshops"),
        "{row}"
    );
    assert!(!row.contains("Overdue"));
    let h = history(&partner, "shared").await;
    assert!(h.contains("partner@t.example"), "{h}");
    assert_eq!(
        partner
            .post_form("/strategies/shared/actions/own/remove", &[("version", "2")])
            .await
            .status(),
        403
    );

    // Analysts read every strategy but do not write areas' plans; other areas' planners
    // do not see it; employer users have no strategies.
    let analyst = s.client("analyst@t.example").await;
    assert_eq!(analyst.get("/strategies/shared").await.status(), 200);
    assert_eq!(
        analyst
            .get("/strategies/shared/sections/pilots")
            .await
            .status(),
        403
    );
    let other = s.client("planner2@t.example").await;
    assert_eq!(other.get("/strategies/shared").await.status(), 403);
    assert_eq!(
        other
            .get("/strategies/shared/actions/own/edit")
            .await
            .status(),
        403
    );
    let employer = s.client("employer@t.example").await;
    assert_eq!(
        employer.get("/strategies/shared/history").await.status(),
        403
    );
}

#[tokio::test]
async fn the_checklist_counts_answers_and_decisions_show_on_their_evidence() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let lib = s.state.library().await.unwrap();
    let item = lib
        .add_item(
            &Actor::Operator,
            observatory_service::library::ItemFields {
                title: "Recruitment and retention in children's services".into(),
                item_type: "research_report".into(),
                organisation: Some("Test Research Unit".into()),
                ..Default::default()
            },
            &[],
        )
        .await
        .unwrap();
    let json = format!(
        r#"{{"id": "cited", "title": "Cited strategy", "areas": ["E06000001"],
        "decisions": [{{"id": "fair", "date": "2025-12-10", "title": "Hold a joint recruitment fair", "by": "Children's partnership board", "evidence": [{item}], "queries": ["/explorer?measure=vacancy_rate"]}}]}}"#
    );
    observatory_service::strategy::import(&s.state.db, Actor::Operator, &json, "test")
        .await
        .unwrap();

    let planner = s.client("planner@t.example").await;
    let v = version(&planner, "/strategies/cited/checklist").await;
    let res = post(
        &planner,
        "/strategies/cited/checklist",
        &fields(&[
            ("version", &v),
            ("smart-status", "done"),
            ("volunteers-status", "not_applicable"),
            ("funding-status", "in_progress"),
            ("funding-note", "Pool agreed in March"),
        ]),
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = planner
        .get("/strategies/cited/checklist")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("2 of 17 are answered"), "{page}");
    assert!(page.contains("value=\"Pool agreed in March\""));
    let strategy = planner.get("/strategies/cited").await.text().await.unwrap();
    let decision = between(&strategy, "id=\"decision-fair\"", "</dl>");
    assert!(
        decision.contains("Recruitment and retention in children&#39;s services")
            || decision.contains("Recruitment and retention in children's services")
            || decision.contains("Recruitment and retention in children&#x27;s services"),
        "{decision}"
    );
    assert!(decision.contains("10 December 2025"), "{decision}");

    // The item's page names the decision for those who may read the strategy, and not
    // for anyone else.
    let evidence = planner
        .get(&format!("/evidence/items/{item}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        between(&evidence, "id=\"decision-list\"", "</ul>")
            .contains("Hold a joint recruitment fair"),
        "{evidence}"
    );
    let anyone = Client::new(&s)
        .get(&format!("/evidence/items/{item}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!anyone.contains("Hold a joint recruitment fair"));
}

#[tokio::test]
async fn a_public_strategy_is_read_by_anyone_with_its_figures_protected() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let json = |public: bool| {
        format!(
            r#"{{"id": "open", "title": "Open strategy", "areas": ["E06000001"], "public": {public},
            "sections": {{"priorities": "Recruit and keep social workers."}},
            "objectives": [
              {{"id": "posts", "title": "More people in post", "owner": "Workforce lead", "owner_email": "secret@t.example",
                "indicator": {{"measure": "headcount"}}, "baseline": {{"date": "2024-11-01", "value": 5}},
                "milestones": [{{"date": "2027-11-01", "value": 40}}]}},
              {{"id": "one-setting", "title": "One setting's staff", "owner": "Lead",
                "indicator": {{"measure": "headcount", "where": ["employer=E1"]}}, "baseline": {{"date": "2024-11-01", "value": 1}},
                "milestones": [{{"date": "2027-11-01", "value": 2}}]}}],
            "risks": [{{"id": "r", "title": "Confidential pay risk", "likelihood": 3, "impact": 3, "owner": "HR"}}]}}"#
        )
    };
    let import = |body: String| {
        let db = s.state.db.clone();
        async move {
            observatory_service::strategy::import(&db, Actor::Operator, &body, "test")
                .await
                .unwrap()
        }
    };
    import(json(false)).await;
    let anyone = Client::new(&s);
    assert_eq!(anyone.get("/public/strategies/open").await.status(), 404);
    import(json(true)).await;
    let res = anyone.get("/public/strategies/open").await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Recruit and keep social workers."));
    assert!(!page.contains("secret@t.example") && !page.contains("Confidential pay risk"));
    // The same protected figure a signed-in planner sees, and none narrower than an area.
    let public_row = between(&page, "id=\"objective-posts\"", "</tr>").to_string();
    let planner = s.client("planner@t.example").await;
    let inside = planner.get("/strategies/open").await.text().await.unwrap();
    let value = |row: &str| between(row, "govuk-table__cell--numeric\">", "<").to_string();
    let planner_row = between(&inside, "id=\"objective-posts\"", "</tr>").to_string();
    assert_eq!(
        value(&public_row),
        value(&planner_row),
        "{public_row}\n{planner_row}"
    );
    let setting = between(&page, "id=\"objective-one-setting\"", "</tr>");
    assert!(setting.contains(">Not enough data</strong>"), "{setting}");
    assert_eq!(anyone.get("/public/strategies/nothing").await.status(), 404);
}

#[tokio::test]
async fn an_objective_shows_the_forecast_of_the_projection_attached_to_it() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    crate::strategies::add_strategy(&s, "mine", A1).await;
    // 10 % leave a year and 20 join: the headcount grows towards 200.
    let scenario = format!(
        "name = \"People in the area\"\n[scope]\nwhere = [\"area={A1}\"]\nbase = \"{CENSUS}\"\nyears = 5\n[rates]\nleaving = 0.1\nentrants = 20\n[simulation]\nruns = 200\n"
    );
    let (sid, _) = observatory_service::projections::save(
        &s.state.db,
        &s.state.answers,
        Actor::Operator,
        "test",
        None,
        &scenario,
        None,
    )
    .await
    .unwrap();
    let planner = s.client("planner@t.example").await;
    let form = "/strategies/mine/objectives/new/edit";
    let v = version(&planner, form).await;
    let mut item = fields(&[
        ("version", &v),
        ("title", "More people in post"),
        ("owner", "Workforce lead"),
        ("measure", "headcount"),
        ("baseline_value", "5"),
        ("m1_value", "30"),
        ("scenario", "no-such-projection"),
    ]);
    date("baseline", "1/11/2024", &mut item);
    date("m1", "1/11/2027", &mut item);
    // A scenario that is not saved is named by its field; nothing is stored.
    let res = post(&planner, form, &item).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("There is no saved projection &#39;no-such-projection&#39;"),
        "{html}"
    );
    item.retain(|(k, _)| k != "scenario");
    item.push(("scenario".into(), sid.clone()));
    let res = post(&planner, form, &item).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let page = planner
        .get("/strategies/mine/objectives/more-people-in-post")
        .await
        .text()
        .await
        .unwrap();
    let forecast = between(&page, "id=\"forecast\">", "</p>");
    // About 19 people now, growing on 10 % leaving and 20 joining: above 30 by 2027.
    assert!(
        forecast.contains("On track on the forecast")
            && forecast.contains("by 1 November 2027")
            && forecast.contains("which meets the target of 30.0"),
        "{forecast}"
    );
    assert!(page.contains(&format!("href=\"/projections/{sid}\"")));
    // The board report says the same.
    let report = planner.get("/strategies/mine/files/report.html").await;
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    assert!(
        report.contains("On track on the forecast. On the model&#39;s forecast:")
            || report.contains("On track on the forecast. On the model's forecast:"),
        "{report}"
    );
    assert!(report.contains("(Projection: People in the area.)"));
}
