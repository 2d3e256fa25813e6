//! Issue 15, defect 3: lockout is no weapon. A device that signed in before (it sends its device
//! cookie back) is limited on its own, not by the account's lockout; an address past its budget
//! is slowed down, not shut out.

use std::time::Duration;

use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with};

/// Signs in and returns the device cookie (`name=value`) the answer sets.
async fn device_cookie(app: &TestApp, email: &str, password: &str) -> String {
    let response = app.login(email, password).await;
    assert_eq!(response.status(), 200);
    let set = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    set.split(';').next().unwrap().to_owned()
}

async fn login_with(app: &TestApp, email: &str, password: &str, cookie: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/auth/login", app.url))
        .header(COOKIE, cookie)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_device_cookie_is_http_only_scoped_to_login_and_strict() {
    let app = spawn_app_with(|_| {});
    app.register("ada@example.com", "correct horse").await;
    let response = app.login("ada@example.com", "correct horse").await;
    let set = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("taskhub_device_"), "{set}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/auth/login", "Max-Age=7776000"] {
        assert!(set.split("; ").any(|a| a == attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("ada"), "the cookie does not name the account");
    assert_eq!(app.login("ada@example.com", "wrong horse").await.headers().get(SET_COOKIE), None, "only a success");
}

#[actix_web::test]
async fn a_known_device_signs_in_while_others_have_locked_the_account() {
    let app = spawn_app_with(|c| {
        c.limits.login_max_failures_per_account = 3;
        c.limits.login_max_failures_per_device = 3;
    });
    app.register("ada@example.com", "correct horse").await;
    app.register("eve@example.com", "eve's horse").await;
    let adas = device_cookie(&app, "ada@example.com", "correct horse").await;
    let eves = device_cookie(&app, "eve@example.com", "eve's horse").await;

    for _ in 0..3 {
        assert_eq!(app.login("ada@example.com", "guess").await.status(), 401);
    }
    assert_eq!(app.login("ada@example.com", "correct horse").await.status(), 429, "locked for unknown clients");
    assert_eq!(
        login_with(&app, "ada@example.com", "correct horse", &eves).await.status(),
        429,
        "Eve's device cookie is not one of Ada's"
    );
    let tampered = format!("{}x", adas);
    assert_eq!(login_with(&app, "ada@example.com", "correct horse", &tampered).await.status(), 429);
    assert_eq!(login_with(&app, "ada@example.com", "correct horse", &adas).await.status(), 200, "Ada's own device");
}

#[actix_web::test]
async fn failures_on_a_known_device_count_on_that_device_alone() {
    let app = spawn_app_with(|c| {
        c.limits.login_max_failures_per_account = 3;
        c.limits.login_max_failures_per_device = 2;
    });
    app.register("ada@example.com", "correct horse").await;
    let device = device_cookie(&app, "ada@example.com", "correct horse").await;
    for _ in 0..2 {
        assert_eq!(login_with(&app, "ada@example.com", "typo", &device).await.status(), 401);
    }
    assert_eq!(
        login_with(&app, "ada@example.com", "correct horse", &device).await.status(),
        429,
        "the device's budget"
    );
    assert_eq!(app.login("ada@example.com", "correct horse").await.status(), 200, "the account's is untouched");
}

#[actix_web::test]
async fn an_address_past_its_budget_is_slowed_down_not_shut_out() {
    let app = spawn_app_with(|c| {
        c.limits.login_max_failures_per_account = 100;
        c.limits.login_max_failures_per_addr = 3;
    });
    app.register("new@example.com", "correct horse").await;
    for i in 0..3 {
        assert_eq!(app.login(&format!("user{i}@example.com"), "wrong horse").await.status(), 401);
    }
    let wait =
        |response: &reqwest::Response| -> u64 { response.headers()["retry-after"].to_str().unwrap().parse().unwrap() };
    let refused = app.login("new@example.com", "correct horse").await;
    assert_eq!((refused.status().as_u16(), wait(&refused)), (429, 1), "past the budget: one attempt a second");
    // Hammering while refused does not push the wait further.
    for _ in 0..20 {
        let refused = app.login("attacker@example.com", "wrong horse").await;
        assert_eq!(refused.status(), 429);
        assert!(wait(&refused) <= 1);
    }
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.login("attacker@example.com", "wrong horse").await.status(), 401, "an attempt after the delay");
    let refused = app.login("new@example.com", "correct horse").await;
    assert_eq!((refused.status().as_u16(), wait(&refused)), (429, 2), "the delay doubles with each failure");
    actix_web::rt::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        app.login("new@example.com", "correct horse").await.status(),
        200,
        "the user behind the address gets in"
    );
}
