//! An objective's page (its series at every census date, England beside it for those
//! who see national figures, suppressed figures shown as suppressed) and a strategy's
//! workforce data page (the latest census date, how complete the returns were), on
//! SQLite and PostgreSQL, for whom the strategy's access rules let in.

use crate::on_both;
use crate::strategies::add_strategy;
use crate::support::*;

/// Returns at three census dates: at 1 November 2023 area A1 has only 2 people (its
/// figure is suppressed), at 2024 and 2025 it has 19 (E1 and E3).
async fn three_censuses(s: &Server) {
    let dir = s.dir.path();
    for (e, area, n, date) in [
        ("E1", A1, 2, "2023-11-01"),
        ("E2", A2, 9, "2023-11-01"),
        ("E1", A1, 12, "2024-11-01"),
        ("E2", A2, 9, "2024-11-01"),
        ("E3", A1, 7, "2024-11-01"),
    ] {
        let zip = return_zip_for(dir, &format!("{e}-{date}"), area, n, false, date);
        s.import_at(e, &zip, date).await;
    }
}

on_both!(
    an_objective_shows_its_series_beside_england_for_those_who_may_see_it,
    |b| async move {
        let s = start(b, true, |_| {}).await;
        three_censuses(&s).await;
        add_strategy(&s, "mine", A1).await;
        add_strategy(&s, "theirs", A2).await;

        let analyst = s.client("analyst@t.example").await;
        let r = analyst.get("/strategies/mine/objectives/posts").await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(page.contains("<svg class=\"app-chart\""), "{page}");
        assert!(
            page.contains(">People<") || page.contains("People"),
            "{page}"
        );
        let series = between(&page, "id=\"series\"", "</table>");
        let row = |date: &str| -> Vec<String> {
            let r = between(series, &format!(">{date}</th>"), "</tr>");
            r.split("</td>")
                .filter_map(|c| c.rsplit('>').next())
                .map(str::to_string)
                .collect()
        };
        for date in ["1 November 2023", "1 November 2024", "1 November 2025"] {
            let cells = row(date);
            // This area, England, neighbours (none set), trajectory.
            assert!(cells.len() >= 4, "{date}: {cells:?}");
            assert!(
                !cells[1].is_empty() && cells[1] != "c",
                "England at {date}: {cells:?}"
            );
        }
        // Two people in the area in 2023: suppressed, shown as such, never the number.
        assert_eq!(row("1 November 2023")[0], "c", "{series}");
        assert_ne!(row("1 November 2025")[0], "c", "{series}");
        assert!(!page.contains("id=\"england-note\""), "{page}");
        assert!(page.contains("id=\"neighbours-note\""), "{page}");
        assert!(page.contains("On the current trend") || page.contains("not yet two figures"));
        // The strategy page links to each objective and to the workforce page.
        let strategy = analyst.get("/strategies/mine").await.text().await.unwrap();
        assert!(strategy.contains("href=\"/strategies/mine/objectives/posts\""));
        assert!(strategy.contains("href=\"/strategies/mine/workforce\""));

        // A planner of the area sees it, without England (and is told why).
        let planner = s.client("planner@t.example").await;
        let page = planner
            .get("/strategies/mine/objectives/posts")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"series\""), "{page}");
        assert!(page.contains("id=\"england-note\""), "{page}");
        // ... and a planner of another area's strategy is refused.
        let r = planner.get("/strategies/theirs/objectives/posts").await;
        assert_eq!(r.status(), 403);
        let r = planner.get("/strategies/mine/objectives/nothing").await;
        assert_eq!(r.status(), 404);

        // The recorded objective shows its values with their source.
        let page = planner
            .get("/strategies/mine/objectives/supervision")
            .await
            .text()
            .await
            .unwrap();
        assert!(between(&page, "id=\"recorded\"", "</table>").contains("Audit"));
    }
);

on_both!(
    the_workforce_page_gives_the_latest_census_and_how_complete_returns_were,
    |b| async move {
        let s = start(b, true, |_| {}).await;
        three_censuses(&s).await;
        add_strategy(&s, "mine", A1).await;
        add_strategy(&s, "theirs", A2).await;
        let planner = s.client("planner@t.example").await;
        let r = planner.get("/strategies/mine/workforce").await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(
            between(&page, "id=\"census-date\"", "</p>").contains("1 November 2025"),
            "{page}"
        );
        let headlines = between(&page, "id=\"headlines\"", "</table>");
        assert!(headlines.contains("Vacancy rate"), "{headlines}");
        assert!(headlines.contains("/download?measure="), "{headlines}");
        let returns = between(&page, "id=\"returns\"", "</table>");
        assert!(returns.contains("Response rate"), "{returns}");
        // 2025: E1 and E3 returned in 2024, and both returned again.
        let latest = between(returns, ">1 November 2025</th>", "</tr>");
        assert!(
            latest.contains("2 of 2 expected") && latest.contains("100"),
            "{latest}"
        );
        for date in ["1 November 2023", "1 November 2024"] {
            assert!(returns.contains(date), "{returns}");
        }
        assert!(page.contains("id=\"suppressed\""), "{page}");
        assert_eq!(
            planner.get("/strategies/theirs/workforce").await.status(),
            403
        );
        let employer = s.client("employer@t.example").await;
        assert_eq!(
            employer.get("/strategies/mine/workforce").await.status(),
            403
        );
    }
);
