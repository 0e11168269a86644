//! Sign-in, sessions, CSRF, lockout, invitations and passwords.

use crate::on_both;
use crate::support::*;

on_both!(
    forms_without_the_sessions_csrf_token_are_refused,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let mut c = s.client("admin@t.example").await;
        let good = c.csrf.clone();
        for bad in ["", "0000", &"a".repeat(64)] {
            c.csrf = bad.to_string();
            for path in [
                "/account/tokens",
                "/admin/users",
                "/sign-out",
                "/account/password",
            ] {
                let res = c
                    .post_form(
                        path,
                        &[("name", "x"), ("email", "x@t.example"), ("role", "admin")],
                    )
                    .await;
                assert_eq!(res.status(), 403, "POST {path} with csrf {bad:?}");
            }
        }
        c.csrf = good;
        assert_eq!(c.get("/admin/users").await.status(), 200, "still signed in");
        // Sign-in itself needs the token that came with the form (double submit).
        let res = reqwest::Client::new()
            .post(s.url("/sign-in"))
            .form(&[
                ("csrf", "x".repeat(64).as_str()),
                ("email", "admin@t.example"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        // Signing out ends the session on the server, not just the cookie.
        let cookies = c.cookies.clone();
        assert_eq!(c.post_form("/sign-out", &[]).await.status(), 303);
        c.cookies = cookies;
        assert_eq!(c.get("/admin/users").await.status(), 303);
    }
);

on_both!(repeated_failures_lock_the_account, |b| async move {
    let s = start(b, false, |c| c.lock_after = 3).await;
    let mut c = Client::new(&s);
    for _ in 0..2 {
        let res = c.sign_in("planner@t.example", "wrong password!").await;
        assert_eq!(res.status(), 401);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Enter a correct email address and password")
        );
    }
    let res = c.sign_in("planner@t.example", "wrong password!").await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("too many failed attempts")
    );
    // Now even the right password is refused until the lock ends.
    let res = c.sign_in("planner@t.example", PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("too many failed attempts")
    );
    // Other accounts are not affected, and unknown emails get the same answer as wrong passwords.
    assert_eq!(
        Client::new(&s)
            .sign_in("analyst@t.example", PASSWORD)
            .await
            .status(),
        303
    );
    let res = Client::new(&s).sign_in("nobody@t.example", PASSWORD).await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Enter a correct email address and password")
    );
});

on_both!(invitations_work_once_and_passwords_change, |b| async move {
    let s = start(b, false, |_| {}).await;
    let admin = s.client("admin@t.example").await;
    let html = admin
        .post_form(
            "/admin/users",
            &[
                ("email", "New.Planner@t.example"),
                ("name", "New"),
                ("role", "planner"),
                ("areas", A1),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let link = between(&html, "<code id=\"secret\">", "</code>").to_string();
    assert!(link.starts_with("/invitation/"));
    // The planner needs an area; the invitation page sets the password once.
    let mut c = Client::new(&s);
    let page = c.get(&link).await;
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (k, v) = cookie.split_once('=').unwrap();
    c.cookies.push((k.into(), v.into()));
    c.csrf = v.to_string();
    let res = c
        .post_form(&link, &[("password", "short"), ("confirm", "short")])
        .await;
    assert!(res.text().await.unwrap().contains("at least 12 characters"));
    let res = c
        .post_form(
            &link,
            &[
                ("password", "a new long password"),
                ("confirm", "a new long password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        c.post_form(
            &link,
            &[
                ("password", "another long one"),
                ("confirm", "another long one")
            ]
        )
        .await
        .status(),
        404
    );
    let mut p = Client::new(&s);
    assert_eq!(
        p.sign_in("new.planner@t.example", "a new long password")
            .await
            .status(),
        303
    );
    assert_eq!(p.get(&format!("/tracker?area={A1}")).await.status(), 200);
    // Changing the password needs the current one.
    let res = p
        .post_form(
            "/account/password",
            &[
                ("current", "wrong"),
                ("password", "the newest password"),
                ("confirm", "the newest password"),
            ],
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("current password is not right")
    );
    let res = p
        .post_form(
            "/account/password",
            &[
                ("current", "a new long password"),
                ("password", "the newest password"),
                ("confirm", "the newest password"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("has been changed"));
    assert_eq!(
        Client::new(&s)
            .sign_in("new.planner@t.example", "the newest password")
            .await
            .status(),
        303
    );
    // A deactivated account cannot sign in or use its tokens.
    let token = s.token("analyst@t.example").await;
    let id = s
        .state
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "analyst@t.example")
        .unwrap()
        .id;
    let res = admin
        .post_form(&format!("/admin/users/{id}"), &[("role", "analyst")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        Client::new(&s)
            .sign_in("analyst@t.example", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(api(&s, &token, "GET", "/api/me").await.status(), 401);
    // Cookies are HttpOnly, SameSite and Secure; pages carry protective headers.
    let res = reqwest::get(s.url("/sign-in")).await.unwrap();
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Secure"),
        "{set}"
    );
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let css = reqwest::get(s.url("/assets/app.css"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        css.contains("govuk-generic-header")
            && css.contains("system-ui")
            && !css.contains("GDS Transport")
    );
    let doc: serde_json::Value = reqwest::get(s.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["paths"]["/api/query"].is_object() && doc["paths"]["/api/returns"].is_object(),
        "{doc}"
    );
});
