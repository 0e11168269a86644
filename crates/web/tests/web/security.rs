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
            // Every form a signed-in person posts (the uploads are checked in
            // upload.rs and evidence.rs): all take the token through one extractor.
            for path in [
                "/account/tokens",
                "/account/tokens/revoke",
                "/admin/users",
                "/admin/users/1",
                "/sign-out",
                "/account/password",
                "/tracker/approve",
                "/tracker/reopen",
                "/evidence/register",
                "/evidence/calls",
                "/evidence/moderation/1",
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
    let s = start(b, false, |c| c.sign_in.pair_limit = 3).await;
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
    let link = between(&html, "<code id=\"secret\">", "</code>");
    let link = link
        .strip_prefix(&s.base)
        .unwrap_or_else(|| panic!("{link} is on the public URL {}", s.base))
        .to_string();
    assert!(link.starts_with("/invitation/"));
    // The planner needs an area; the invitation page sets the password once.
    let mut c = Client::new(&s);
    let page = c.get(&link).await;
    assert_eq!(page.status(), 200);
    let cookie = first_cookie(&page);
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

/// Sign in from `source` (a client address the test server is told to trust).
async fn sign_in_from(s: &Server, source: &str, email: &str, password: &str) -> (u16, String) {
    let mut c = Client::new(s);
    c.forwarded_for = Some(source.to_string());
    let res = c.sign_in(email, password).await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

fn answer(status: u16, body: &str) -> &'static str {
    if status == 303 {
        "signed in"
    } else if body.contains("too many failed attempts to sign in from here") {
        "source throttled"
    } else if body.contains("too many failed attempts") {
        "locked"
    } else if body.contains("Enter a correct email address and password") {
        "wrong"
    } else {
        panic!("{status}: {body}")
    }
}

on_both!(
    simultaneous_attempts_are_counted_before_the_password_check,
    |b| async move {
        // 26 wrong passwords sent at once: only the first five of them (the pair's
        // limit) may reach the password check; before, all 26 did.
        let s = std::sync::Arc::new(start(b, false, |c| c.sign_in.source_limit = 100).await);
        let tasks: Vec<_> = (0..26)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut c = Client::new(&s);
                    let res = c.sign_in("planner@t.example", "wrong password!").await;
                    let status = res.status().as_u16();
                    answer(status, &res.text().await.unwrap())
                })
            })
            .collect();
        let mut said = std::collections::BTreeMap::new();
        for t in tasks {
            *said.entry(t.await.unwrap()).or_insert(0) += 1;
        }
        let checks = s
            .state
            .sign_in_checks
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(checks, 5, "passwords checked; answers {said:?}");
        assert_eq!(said.get("signed in"), None);
        assert_eq!(said.get("wrong"), Some(&4), "{said:?}");
        // And the right password is refused too until the window ends.
        let res = Client::new(&s).sign_in("planner@t.example", PASSWORD).await;
        assert_eq!(
            answer(res.status().as_u16(), &res.text().await.unwrap()),
            "locked"
        );
        assert_eq!(
            s.state
                .sign_in_checks
                .load(std::sync::atomic::Ordering::Relaxed),
            5
        );
    }
);

on_both!(unknown_emails_are_answered_like_real_ones, |b| async move {
    let s = start(b, false, |c| c.sign_in.pair_limit = 3).await;
    let checks = || {
        s.state
            .sign_in_checks
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let mut answers = vec![];
    for email in ["planner@t.example", "nobody@t.example"] {
        let before = checks();
        let mut said = vec![];
        for _ in 0..4 {
            let res = Client::new(&s).sign_in(email, "wrong password!").await;
            said.push(answer(res.status().as_u16(), &res.text().await.unwrap()));
        }
        // The unknown email's password is checked too (against a dummy hash), so it
        // takes as long; the fourth attempt is refused before any check.
        assert_eq!(checks() - before, 3, "{email}");
        answers.push(said);
    }
    assert_eq!(answers[0], ["wrong", "wrong", "locked", "locked"]);
    assert_eq!(answers[0], answers[1]);
    // An account that is deactivated is checked and answered the same way as well.
    let id = s
        .store
        .user_by_email("other@t.example")
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    s.store.set_active(id, false).await.unwrap();
    let before = checks();
    let res = Client::new(&s).sign_in("other@t.example", PASSWORD).await;
    assert_eq!(
        answer(res.status().as_u16(), &res.text().await.unwrap()),
        "wrong"
    );
    assert_eq!(checks() - before, 1);
});

on_both!(
    a_lock_holds_the_guessing_source_and_never_the_owner,
    |b| async move {
        let s = start(b, false, |c| {
            c.client_ip_header = Some("x-forwarded-for".into());
            c.sign_in.pair_limit = 3;
            c.sign_in.source_limit = 8;
            c.sign_in.account_slow_after = 4;
            c.sign_in.account_delay_ms = 400;
            c.sign_in.failure_delay_ms = 0;
        })
        .await;
        let attacker = "203.0.113.7";
        // Three wrong guesses lock the administrator's account from the attacker only.
        let mut said = vec![];
        for _ in 0..3 {
            let (st, body) = sign_in_from(&s, attacker, "admin@t.example", "guess guess!").await;
            said.push(answer(st, &body));
        }
        assert_eq!(said, ["wrong", "wrong", "locked"]);
        let (st, body) = sign_in_from(&s, attacker, "admin@t.example", PASSWORD).await;
        assert_eq!(answer(st, &body), "locked");
        let (st, _) = sign_in_from(&s, "198.51.100.2", "admin@t.example", PASSWORD).await;
        assert_eq!(st, 303, "the owner, from elsewhere, still signs in");
        // A source that fails across many accounts is throttled, whatever the account.
        for (i, email) in [
            "analyst@t.example",
            "x1@t.example",
            "x2@t.example",
            "x3@t.example",
        ]
        .iter()
        .enumerate()
        {
            let (st, body) = sign_in_from(&s, attacker, email, "guess guess!").await;
            assert_eq!(answer(st, &body), "wrong", "attempt {i} on {email}");
        }
        let (st, body) = sign_in_from(&s, attacker, "analyst@t.example", PASSWORD).await;
        assert_eq!(answer(st, &body), "source throttled");
        let (st, _) = sign_in_from(&s, "198.51.100.3", "analyst@t.example", PASSWORD).await;
        assert_eq!(st, 303, "other sources are not throttled");
        // Guesses spread over many sources pass the account's ceiling: every attempt on it
        // is then slowed, the owner's included, but never refused.
        for i in 0..5 {
            let (st, body) =
                sign_in_from(&s, &format!("192.0.2.{i}"), "planner@t.example", "guess!!").await;
            assert_eq!(answer(st, &body), "wrong", "source {i}");
        }
        let t = std::time::Instant::now();
        let (st, _) = sign_in_from(&s, "198.51.100.4", "planner@t.example", PASSWORD).await;
        assert_eq!(st, 303, "slowed, not locked out");
        assert!(
            t.elapsed() >= std::time::Duration::from_millis(800),
            "{:?}",
            t.elapsed()
        );
        // IPv6 sources are counted by their /64.
        for i in 0..3 {
            let (st, body) = sign_in_from(
                &s,
                &format!("2001:db8:1:2::{i}"),
                "employer@t.example",
                "guess guess!",
            )
            .await;
            assert_eq!(answer(st, &body), ["wrong", "wrong", "locked"][i]);
        }
    }
);

on_both!(
    a_client_address_header_is_believed_only_when_configured,
    |b| async move {
        // By default the connection's address counts: a forged X-Forwarded-For does not
        // give a guesser a fresh source.
        let s = start(b, false, |c| c.sign_in.pair_limit = 2).await;
        for i in 0..2 {
            sign_in_from(
                &s,
                &format!("203.0.113.{i}"),
                "analyst@t.example",
                "guess!!!",
            )
            .await;
        }
        let (st, body) = sign_in_from(&s, "203.0.113.99", "analyst@t.example", PASSWORD).await;
        assert_eq!(answer(st, &body), "locked");
    }
);

on_both!(
    links_use_the_public_url_not_the_host_header,
    |b| async move {
        let s = start(b, false, |c| {
            c.public_url = "https://observatory.example.org".into()
        })
        .await;
        let admin = s.client("admin@t.example").await;
        let forged = |path: &str| {
            admin
                .http
                .post(s.url(path))
                .header("host", "evil.example")
                .header("x-forwarded-proto", "http")
        };
        let res = forged("/admin/users")
            .header("cookie", admin.cookies_header())
            .form(&[
                ("csrf", admin.csrf.as_str()),
                ("email", "invited@t.example"),
                ("name", "Invited"),
                ("role", "analyst"),
            ])
            .send()
            .await
            .unwrap();
        let html = res.text().await.unwrap();
        let link = between(&html, "<code id=\"secret\">", "</code>");
        assert!(
            link.starts_with("https://observatory.example.org/invitation/"),
            "{link}"
        );
        let xml = admin
            .http
            .get(s.url("/evidence/feed.atom"))
            .header("host", "evil.example")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            xml.contains("https://observatory.example.org/") && !xml.contains("evil.example"),
            "{xml}"
        );
    }
);

/// A failure inside the service (here its database losing a table) reaches people as an
/// apology with a reference to quote, never as the failure's own text; the log has that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_failures_show_a_reference_never_their_text() {
    let s = start(Backend::Postgres, true, |_| {}).await;
    let c = s.client("analyst@t.example").await;
    let token = s.token("analyst@t.example").await;
    s.pg_sql("DROP TABLE workers CASCADE");
    let res = c.get("/explorer?measure=posts&by=sector").await;
    assert_eq!(res.status(), 500);
    let html = res.text().await.unwrap();
    assert!(html.contains("quote reference"), "{html}");
    assert!(
        !html.contains("relation") && !html.contains("workers"),
        "{html}"
    );
    let res = api(&s, &token, "GET", "/api/query?measure=posts&by=sector").await;
    assert_eq!(res.status(), 500);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("reference") && !body.contains("relation"),
        "{body}"
    );
    // A mistake of the asker's is still said plainly, beside the form.
    let res = c
        .get("/explorer?measure=posts&census_date=2001-11-01")
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("no returns for census date 2001-11-01")
    );
}

/// An administrator cannot take away their own role or deactivate themselves (so the
/// service is never left without one by accident); the form says so and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_cannot_lock_themselves_out() {
    let s = start(Backend::Sqlite, false, |_| {}).await;
    let c = s.client("admin@t.example").await;
    let me = s
        .store
        .user_by_email("admin@t.example")
        .await
        .unwrap()
        .unwrap()
        .user;
    for form in [
        vec![("role", "analyst"), ("active", "on")],
        vec![("role", "admin")],
    ] {
        let res = c.post_form(&format!("/admin/users/{}", me.id), &form).await;
        let html = res.text().await.unwrap();
        assert!(
            html.contains("You cannot remove your own administrator role or deactivate yourself"),
            "{html}"
        );
    }
    assert_eq!(
        c.get("/admin/users").await.status(),
        200,
        "still an administrator"
    );
}
