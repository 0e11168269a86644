//! The strategies pages: each person sees the strategies of the areas they may see, and
//! each objective's status as the strategy contract judges it from the census.

use crate::support::*;
use observatory_service::Actor;

/// A strategy for `area` with one bound and one recorded objective.
pub fn strategy_json(id: &str, area: &str) -> String {
    format!(
        r#"{{"id": "{id}", "title": "Strategy of {area}", "areas": ["{area}"], "objectives": [
        {{"id": "posts", "title": "More posts filled", "owner": "Workforce lead",
          "indicator": {{"measure": "headcount"}},
          "baseline": {{"date": "2024-11-01", "value": 5}},
          "milestones": [{{"date": "2026-11-01", "value": 10}}]}},
        {{"id": "supervision", "title": "Monthly supervision", "owner": "Principal social worker",
          "indicator": {{"recorded": [{{"date": "2020-01-01", "value": 0.5, "source": "Audit"}}]}},
          "baseline": {{"date": "2019-01-01", "value": 0.4}},
          "milestones": [{{"date": "2021-01-01", "value": 0.9}}]}}]}}"#
    )
}

pub async fn add_strategy(s: &Server, id: &str, area: &str) {
    observatory_service::strategy::import(
        &s.state.db,
        Actor::Operator,
        &strategy_json(id, area),
        "test",
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn each_person_sees_the_strategies_of_their_areas_and_how_objectives_stand() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    add_strategy(&s, "mine", A1).await;
    add_strategy(&s, "theirs", A2).await;
    let planner = s.client("planner@t.example").await;
    let list = planner.get("/strategies").await.text().await.unwrap();
    assert!(list.contains(r#"href="/strategies/mine""#), "{list}");
    assert!(!list.contains("/strategies/theirs"), "{list}");
    assert_eq!(planner.get("/strategies/theirs").await.status(), 403);

    let page = planner.get("/strategies/mine").await.text().await.unwrap();
    let objectives = between(&page, "id=\"objectives\"", "</table>");
    // Headcount of A1 (E1 and E3: 19 people) is past the target of 10: achieved.
    assert!(objectives.contains(">Achieved</strong>"), "{objectives}");
    assert!(objectives.contains("1 November 2025"), "{objectives}");
    // The recorded value is years old: stale, beside its status.
    assert!(objectives.contains(">Stale</strong>"), "{objectives}");

    let analyst = s.client("analyst@t.example").await;
    let all = analyst.get("/strategies").await.text().await.unwrap();
    assert!(all.contains("/strategies/mine") && all.contains("/strategies/theirs"));
    let employer = s.client("employer@t.example").await;
    assert_eq!(employer.get("/strategies").await.status(), 403);
    assert_eq!(planner.get("/strategies/nothing").await.status(), 404);
}
