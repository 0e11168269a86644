//! The GOV.UK page patterns: error pages in the layout with a way back, unknown
//! addresses answered by a real 404 page, forms with errors titled "Error: ", linking
//! each message to its field and keeping what was typed.

use crate::support::*;

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

/// An invitation's areas and employers are checked against the data: a code that names
/// nothing is refused with the nearest real one, a name stands for its code, and the
/// edit page keeps what was typed when it has errors.
#[tokio::test]
async fn invitations_name_the_nearest_real_area_and_employer() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let admin = s.client("admin@t.example").await;
    let invite = |fields: Vec<(&'static str, &'static str)>| {
        let admin = &admin;
        async move {
            let mut form = vec![("email", "new@t.example"), ("name", "New")];
            form.extend(fields);
            admin
                .post_form("/admin/users", &form)
                .await
                .text()
                .await
                .unwrap()
        }
    };
    let html = invite(vec![("role", "planner"), ("areas", "E06000099")]).await;
    assert!(title(&html).starts_with("Error: "), "{html}");
    assert!(html.contains(r##"<a href="#areas">"##), "{html}");
    assert!(
        html.contains("There is no area E06000099. Did you mean E0600"),
        "{html}"
    );
    assert!(html.contains(r#"value="E06000099""#), "kept: {html}");

    let html = invite(vec![("role", "employer"), ("employers", "E9")]).await;
    assert!(html.contains(r##"<a href="#employers">"##), "{html}");
    assert!(
        html.contains("There is no employer E9. Did you mean E"),
        "{html}"
    );

    let html = invite(vec![("role", "planner"), ("areas", "hartlepool")]).await;
    assert!(html.contains("Invitation created"), "{html}");
    let user = s
        .store
        .user_by_email("new@t.example")
        .await
        .unwrap()
        .unwrap()
        .user;
    assert_eq!(user.areas, [A1], "the name is stored as its code");

    let html = invite(vec![("role", "planner"), ("areas", A1)]).await;
    assert!(html.contains(r#"id="email-error""#), "taken: {html}");

    let email = [("email", "someone@localhost"), ("role", "analyst")];
    let html = admin
        .post_form("/admin/users", &email)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"id="email-error""#), "no domain: {html}");

    let edit = format!("/admin/users/{}", user.id);
    let form = [
        ("role", "planner"),
        ("areas", "Nowhere-shire"),
        ("active", "yes"),
    ];
    let html = admin.post_form(&edit, &form).await.text().await.unwrap();
    assert!(title(&html).starts_with("Error: "), "{html}");
    assert!(html.contains(r#"value="Nowhere-shire""#), "kept: {html}");
    assert!(html.contains(r#"value="planner" checked"#), "kept: {html}");
    let stored = s
        .store
        .user_by_email("new@t.example")
        .await
        .unwrap()
        .unwrap()
        .user;
    assert_eq!(stored.areas, [A1], "nothing changed");
}

/// Employers are shown by their registered names, with the id beside where it is needed
/// to choose one.
#[tokio::test]
async fn employers_are_shown_by_name() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    s.store
        .register_employer("E1", "Little Acorns Nursery", A1)
        .await
        .unwrap();
    let c = s.client("employer@t.example").await;
    let submit = c.get("/submit").await.text().await.unwrap();
    assert!(
        submit.contains(">Little Acorns Nursery (E1)</option>"),
        "{submit}"
    );
    let history = between(&submit, "Stored returns", "</table>");
    assert!(history.contains(">Little Acorns Nursery</td>"), "{history}");
    let own = c.get("/employer").await.text().await.unwrap();
    assert!(
        own.contains("Little Acorns Nursery, census 1 November 2025"),
        "{own}"
    );
}
