//! The dashboard's figures that need more than one census: representation against the
//! population served, and mobility between the census before and the chosen one, as
//! charts with tables, in the explorer and as downloads.

use crate::on_both;
use crate::support::*;

on_both!(
    the_dashboard_shows_representation_and_mobility,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let mut opts = observatory_synth::GenerateOptions::demo();
        opts.posts_per_area = 300;
        opts.census_dates.remove(0);
        opts.xlsx_share = 0.0;
        let area = opts.areas[0].clone();
        assert!(s.import_generated(&opts).await > 400);
        let c = s.client("analyst@t.example").await;

        let page = c.get(&format!("/dashboard?area={area}")).await;
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        // Headlines beside the census before and England, the area named, not coded.
        let headlines = between(&page, "id=\"headlines\"", "</table>");
        assert!(
            headlines.contains("Census before (1 November 2024)"),
            "{headlines}"
        );
        assert!(headlines.contains(">England</th>"), "{headlines}");
        assert!(
            page.contains("Central Bedfordshire, census 1 November 2025"),
            "{page}"
        );
        for title in [
            "Representation of ethnic groups against the population served",
            "What became of the people of the census before",
            "People by sector at the census before and now",
        ] {
            assert!(page.contains(title), "no figure {title}");
        }
        // The mobility figures count people, each category a row of the table beside the chart.
        let fig = between(&page, "What became of the people", "Download:");
        assert!(fig.contains("<svg"), "{fig}");
        assert!(fig.to_lowercase().contains("stayed"), "{fig}");

        // The flow matrix downloads as CSV with joiners and leavers, suppressed like any figure.
        let csv = c
            .get(&format!(
                "/download?measure=mobility&by=from_sector,to_sector&where=area%3D{area}&format=csv"
            ))
            .await;
        assert_eq!(csv.status(), 200);
        let csv = csv.text().await.unwrap();
        assert!(csv.contains("joined") && csv.contains("left"), "{csv}");

        // In the explorer, by any breakdown of people's main post.
        let ex = c.get("/explorer?measure=mobility&by=sector").await;
        assert_eq!(ex.status(), 200);
        let ex = ex.text().await.unwrap();
        assert!(ex.to_lowercase().contains("changed"), "{ex}");

        // With nothing before the first census there is nothing to compare: a plain error.
        let first = c
            .get("/explorer?measure=mobility&by=category&census_date=2024-11-01")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            first.contains("there is none before 1 November 2024"),
            "{first}"
        );
    }
);

/// A planner moves from a figure to what research says about it, and from a gap-map
/// cell to the census figures for its sector, by following links.
#[tokio::test]
async fn figures_link_to_their_evidence_and_back() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let c = s.client("analyst@t.example").await;
    let page = c
        .get(&format!("/dashboard?area={A1}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(
            r#"<a class="govuk-link" href="/evidence?theme=motivation">What research says about recruitment and retention</a>"#
        ),
        "{page}"
    );
    let explorer = c
        .get("/explorer?measure=vacancy_rate&by=role&where=sector%3Dsocial_care")
        .await
        .text()
        .await
        .unwrap();
    let link = r#"href="/evidence?theme=motivation&#38;theme=status_rewards&#38;sector=social_care">What research says about recruitment and retention in social, family and community support"#;
    assert!(explorer.contains(link), "{explorer}");
    assert_eq!(
        c.get("/evidence?theme=motivation&theme=status_rewards&sector=social_care")
            .await
            .status(),
        200
    );

    let gaps = c.get("/evidence/gaps").await.text().await.unwrap();
    let back = "/explorer?measure=turnover_rate&#38;by=role&#38;where=sector%3Dearly_years";
    assert!(gaps.contains(back), "{gaps}");
    assert_eq!(c.get(&back.replace("&#38;", "&")).await.status(), 200);
    // Signed out, the public gap map has no links into the census.
    let public = Client::new(&s)
        .get("/evidence/gaps")
        .await
        .text()
        .await
        .unwrap();
    assert!(!public.contains("/explorer?"), "{public}");
}

/// A planner sets the area's statistical neighbours on its dashboard; each headline is
/// then shown beside theirs, pooled and with the same disclosure control. A wrong area is
/// reported in the GOV.UK error pattern and nothing changes; another area's planner
/// cannot set them.
#[tokio::test]
async fn the_dashboard_shows_headlines_beside_the_statistical_neighbours() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let planner = s.client("planner@t.example").await;
    let page = planner
        .get(&format!("/dashboard?area={A1}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("No statistical neighbours are set for Hartlepool yet"),
        "{page}"
    );
    assert!(!page.contains("Statistical neighbours ("), "{page}");

    let res = planner
        .post_form(
            "/dashboard/neighbours",
            &[("area", A1), ("neighbours", "E06000099")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(title(&html).starts_with("Error: "), "{html}");
    assert!(html.contains(r##"<a href="#neighbours">"##), "{html}");
    assert!(
        html.contains("There is no area E06000099. Did you mean"),
        "{html}"
    );
    assert!(html.contains(r#"value="E06000099""#), "kept: {html}");

    let res = planner
        .post_form(
            "/dashboard/neighbours",
            &[("area", A1), ("neighbours", "Middlesbrough")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = planner
        .get(&format!("/dashboard?area={A1}"))
        .await
        .text()
        .await
        .unwrap();
    let headlines = between(&page, "id=\"headlines\"", "</table>");
    assert!(
        headlines.contains("Statistical neighbours (1 area)"),
        "{headlines}"
    );
    assert!(page.contains("nearest first: Middlesbrough"), "{page}");
    // The neighbours' column is the figure an analyst gets for that area.
    let analyst = s.client("analyst@t.example").await;
    let theirs = analyst
        .get(&format!("/dashboard?area={A2}"))
        .await
        .text()
        .await
        .unwrap();
    let first_value = |html: &str, nth: usize| {
        let row = between(html, "<tbody class=\"govuk-table__body\">", "</tr>").to_string();
        row.split("govuk-table__cell--numeric\">")
            .nth(nth)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    let headlines_a2 = between(&theirs, "id=\"headlines\"", "</table>");
    assert_eq!(
        first_value(headlines, 2),
        first_value(headlines_a2, 1),
        "{headlines}\n{headlines_a2}"
    );

    // Another area's neighbours are not this planner's to set.
    let res = planner
        .post_form(
            "/dashboard/neighbours",
            &[("area", A2), ("neighbours", "Hartlepool")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let employer = s.client("employer@t.example").await;
    let res = employer
        .post_form("/dashboard/neighbours", &[("area", A1), ("neighbours", "")])
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(s.store.neighbours(A1).await.unwrap(), ["E06000002"]);
}
