//! The GOV.UK page patterns: error pages in the layout with a way back, unknown
//! addresses answered by a real 404 page, forms with errors titled "Error: ", linking
//! each message to its field and keeping what was typed.

use crate::support::*;

fn title(html: &str) -> &str {
    between(html, "<title>", "</title>")
}

#[tokio::test]
async fn unknown_addresses_and_refusals_get_a_page_with_the_layout_and_a_way_back() {
    let s = start(Backend::Sqlite, false, |_| {}).await;
    let signed_out = Client::new(&s);
    let res = signed_out.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(title(&html).starts_with("Error: Page not found"), "{html}");
    assert!(html.contains("govuk-phase-banner"), "{html}");
    assert!(html.contains(r#"<footer class="govuk-footer">"#), "{html}");
    assert!(html.contains(r#"id="way-back""#), "{html}");
    assert!(html.contains(r#"href="/sign-in""#), "{html}");

    // Signed in, the same page has the person's navigation and sign-out.
    let planner = s.client("planner@t.example").await;
    for (path, status) in [("/no/such/page", 404), ("/admin/users", 403)] {
        let res = planner.get(path).await;
        assert_eq!(res.status(), status, "{path}");
        let html = res.text().await.unwrap();
        assert!(title(&html).starts_with("Error: "), "{path}: {html}");
        assert!(html.contains(r#"id="navigation""#), "{path}: {html}");
        assert!(html.contains("Sign out"), "{path}: {html}");
        assert!(
            html.contains(r#"href="/">Go to the start page"#),
            "{path}: {html}"
        );
    }

    // The API keeps answering in JSON.
    let res = signed_out.get("/api/v1/no-such-endpoint").await;
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
}

#[tokio::test]
async fn forms_with_errors_follow_the_govuk_error_pattern() {
    let s = start(Backend::Sqlite, false, |_| {}).await;
    let mut c = Client::new(&s);
    let res = c.sign_in("planner@t.example", "wrong password").await;
    let html = res.text().await.unwrap();
    assert!(title(&html).starts_with("Error: Sign in"), "{html}");
    assert!(html.contains(r##"<a href="#email">"##), "{html}");
    assert!(html.contains("govuk-form-group--error"), "{html}");
    assert!(
        html.contains(r#"class="govuk-error-message" id="email-error""#),
        "{html}"
    );
    assert!(html.contains("govuk-input--error"), "{html}");
    assert!(
        html.contains(r#"value="planner@t.example""#),
        "kept: {html}"
    );

    let admin = s.client("admin@t.example").await;
    let html = admin
        .post_form(
            "/admin/users",
            &[
                ("email", "not an address"),
                ("name", "Ada Lovelace"),
                ("role", "planner"),
                ("areas", A1),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(title(&html).starts_with("Error: "), "{html}");
    assert!(html.contains(r##"<a href="#email">"##), "{html}");
    assert!(html.contains(r#"id="email-error""#), "{html}");
    for kept in [
        r#"value="not an address""#,
        r#"value="Ada Lovelace""#,
        &format!(r#"value="{A1}""#),
        r#"value="planner" checked"#,
    ] {
        assert!(html.contains(kept), "{kept}: {html}");
    }

    let html = admin
        .post_form(
            "/account/password",
            &[
                ("current", "wrong"),
                ("password", "short"),
                ("confirm", "x"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(title(&html).starts_with("Error: "), "{html}");
    assert!(html.contains(r##"<a href="#current">"##), "{html}");
    assert!(html.contains(r#"id="current-error""#), "{html}");
}
