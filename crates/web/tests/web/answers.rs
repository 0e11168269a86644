//! One answer path: the API, the explorer and its downloads, and the command line's own
//! call (the operator) answer through `service::Answers`, including non-response
//! estimates, which the web app and API offer as the command line does.

use crate::on_both;
use crate::support::*;
use observatory_service::query::Protection;
use observatory_service::{Actor, Ask};

const BEFORE: &str = "2024-11-01";

on_both!(
    estimates_reach_the_api_and_the_explorer_as_the_command_line_gets_them,
    |b| async move {
        let s = start(b, true, |_| {}).await;
        // E4 returned at the census before and not since: it is carried forward.
        for (e, area, n) in [("E1", A1, 12), ("E2", A2, 9), ("E3", A1, 7), ("E4", A2, 8)] {
            let zip = return_zip_for(s.dir.path(), &format!("{e}-before"), area, n, false, BEFORE);
            s.import_at(e, &zip, BEFORE).await;
        }
        let token = s.token("analyst@t.example").await;
        let ask = format!("/api/query?measure=posts&by=area&census_date={CENSUS}");
        let plain: serde_json::Value = api(&s, &token, "GET", &ask).await.json().await.unwrap();
        assert!(plain.get("estimates").is_none(), "{plain}");
        assert!(
            plain["rows"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r.get("estimated").is_none()),
            "{plain}"
        );
        let res = api(&s, &token, "GET", &format!("{ask}&estimates=yes")).await;
        assert_eq!(res.status(), 200);
        let est: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            est["estimates"],
            serde_json::json!([{"census_date": CENSUS, "carried_from": BEFORE, "employers": ["E4"]}]),
            "{est}"
        );
        let a2 = est["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["area"] == A2)
            .unwrap();
        assert_eq!(a2["estimated"], true, "{est}");
        assert_eq!(est["perturbed"], true, "{est}");

        // The same question asked by the operator with the web's protection: the same
        // JSON, byte for byte (one answer path).
        let operator = s
            .state
            .answers
            .answer(
                &s.state.db,
                Actor::Operator,
                &Ask {
                    measure: "posts".into(),
                    by: vec!["area".into()],
                    dates: vec![CENSUS.into()],
                    estimates: true,
                    protection: Some(Protection::CellKey(s.state.config.threshold)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(operator.to_json().to_string(), est.to_string());

        // The explorer offers it, marks estimated figures and says what they are.
        let c = s.client("analyst@t.example").await;
        let page = c
            .get(&format!(
                "/explorer?measure=posts&by=area&census_date={CENSUS}&estimates=yes"
            ))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"estimates\""), "{page}");
        assert!(page.contains("~"), "{page}");
        assert!(page.contains("includes estimates"), "{page}");
        // And so does its download (figures only: its notes are in the workbook).
        let csv = c
            .get(&format!(
                "/download?measure=posts&by=area&census_date={CENSUS}&estimates=yes&format=csv"
            ))
            .await
            .text()
            .await
            .unwrap();
        assert!(csv.contains(&format!("{A2},~")), "{csv}");
    }
);

on_both!(
    a_population_profile_and_a_measure_needing_the_census_before_are_asked_like_any_other,
    |b| async move {
        let s = start(b, true, |_| {}).await;
        for (e, area, n) in [("E1", A1, 12), ("E2", A2, 9), ("E3", A1, 7)] {
            let zip = return_zip_for(s.dir.path(), &format!("{e}-before"), area, n, false, BEFORE);
            s.import_at(e, &zip, BEFORE).await;
        }
        let token = s.token("analyst@t.example").await;
        // observed_wastage_rate follows people from the census before, found in the
        // database: asked at the later date alone.
        let res = api(
            &s,
            &token,
            "GET",
            &format!("/api/query?measure=observed_wastage_rate&census_date={CENSUS}"),
        )
        .await;
        let status = res.status();
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["census_date"], CENSUS, "{v}");
        // A population profile by name; an unknown one is named with the ones there are.
        let res = api(
            &s,
            &token,
            "GET",
            &format!(
                "/api/query?measure=representation_ratio&by=ethnic_group&census_date={CENSUS}&population=england_2021"
            ),
        )
        .await;
        assert_eq!(res.status(), 200);
        let v: serde_json::Value = res.json().await.unwrap();
        assert!(v.get("population_profiles").is_some(), "{v}");
        let res = api(
            &s,
            &token,
            "GET",
            &format!(
                "/api/query?measure=representation_ratio&by=ethnic_group&census_date={CENSUS}&population=nowhere"
            ),
        )
        .await;
        assert_eq!(res.status(), 400);
        let e = res.text().await.unwrap();
        assert!(
            e.contains("no population profile called 'nowhere'") && e.contains("england_2021"),
            "{e}"
        );
    }
);
