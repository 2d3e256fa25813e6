//! Every malformed, expired, forged or misdirected token gets exactly `{"detail": "Unauthorized"}`
//! on every task endpoint.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Method;
use serde_json::{Value, json};
use shared::config::TEST_SECRET;

use crate::helpers::{TestApp, parts, spawn_app};

fn claims(user_id: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": user_id.to_string(), "iat": now, "nbf": now, "exp": now + 3600, "iss": "taskhub-auth", "aud": "taskhub"})
}

fn sign(claims: &Value, algorithm: Algorithm, secret: &str) -> String {
    encode(&Header::new(algorithm), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn with(user_id: i64, key: &str, value: Value) -> Value {
    let mut c = claims(user_id);
    c[key] = value;
    c
}

fn without(user_id: i64, key: &str) -> Value {
    let mut c = claims(user_id);
    c.as_object_mut().unwrap().remove(key);
    c
}

fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

/// `Authorization` header values that must all be refused, with what each one tries.
fn attacks(user_id: i64) -> Vec<(&'static str, String)> {
    let now = chrono::Utc::now().timestamp();
    let valid = sign(&claims(user_id), Algorithm::HS256, TEST_SECRET);
    let mut tampered: Vec<&str> = valid.split('.').collect();
    let other_sub = URL_SAFE_NO_PAD.encode(with(user_id + 1, "sub", json!((user_id + 1).to_string())).to_string());
    tampered[1] = &other_sub;
    vec![
        ("Basic scheme", format!("Basic {}", URL_SAFE_NO_PAD.encode("ada:pw"))),
        ("garbage", "Bearer not.a.jwt".into()),
        ("empty bearer", "Bearer ".into()),
        ("token without scheme", valid.clone()),
        ("alg none", format!("Bearer {}", unsigned(&claims(user_id)))),
        ("HS512 with the real secret", format!("Bearer {}", sign(&claims(user_id), Algorithm::HS512, TEST_SECRET))),
        ("HS384 with the real secret", format!("Bearer {}", sign(&claims(user_id), Algorithm::HS384, TEST_SECRET))),
        (
            "other secret",
            format!("Bearer {}", sign(&claims(user_id), Algorithm::HS256, "another-secret-another-secret-12345")),
        ),
        ("weak secret", format!("Bearer {}", sign(&claims(user_id), Algorithm::HS256, "secret"))),
        ("expired", format!("Bearer {}", sign(&with(user_id, "exp", json!(now - 60)), Algorithm::HS256, TEST_SECRET))),
        ("no exp", format!("Bearer {}", sign(&without(user_id, "exp"), Algorithm::HS256, TEST_SECRET))),
        (
            "exp as string",
            format!(
                "Bearer {}",
                sign(&with(user_id, "exp", json!((now + 3600).to_string())), Algorithm::HS256, TEST_SECRET)
            ),
        ),
        (
            "nbf in the future",
            format!("Bearer {}", sign(&with(user_id, "nbf", json!(now + 600)), Algorithm::HS256, TEST_SECRET)),
        ),
        (
            "wrong audience",
            format!("Bearer {}", sign(&with(user_id, "aud", json!("someone-else")), Algorithm::HS256, TEST_SECRET)),
        ),
        (
            "wrong issuer",
            format!("Bearer {}", sign(&with(user_id, "iss", json!("evil")), Algorithm::HS256, TEST_SECRET)),
        ),
        ("no sub", format!("Bearer {}", sign(&without(user_id, "sub"), Algorithm::HS256, TEST_SECRET))),
        (
            "non-numeric sub",
            format!("Bearer {}", sign(&with(user_id, "sub", json!("admin")), Algorithm::HS256, TEST_SECRET)),
        ),
        ("edited sub, original signature", format!("Bearer {}", tampered.join("."))),
    ]
}

async fn assert_refused(app: &TestApp, method: Method, path: &str, authorization: Option<&str>, what: &str) {
    let mut request = app.client.request(method.clone(), format!("{}{path}", app.url)).json(&json!({"title": "x"}));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let (status, body) = parts(request.send().await.unwrap()).await;
    assert_eq!(status, 401, "{what} on {method} {path}");
    assert_eq!(body, json!({"detail": "Unauthorized"}), "{what} on {method} {path}");
}

#[actix_web::test]
async fn every_bad_token_is_refused_on_every_endpoint() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (_, task) = app.create(&ada, &json!({"title": "T"})).await;
    let item = format!("/api/tasks/{}", task["id"]);
    let endpoints = [
        (Method::GET, "/api/tasks"),
        (Method::POST, "/api/tasks"),
        (Method::GET, &item),
        (Method::PUT, &item),
        (Method::DELETE, &item),
    ];
    for (method, path) in endpoints {
        assert_refused(&app, method.clone(), path, None, "no header").await;
        for (what, header) in attacks(ada.id) {
            assert_refused(&app, method.clone(), path, Some(&header), what).await;
        }
    }
    assert_eq!(app.list(&ada).await.len(), 1, "no refused request created or deleted anything");
}

#[actix_web::test]
async fn a_correctly_signed_token_is_accepted() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let token = sign(&claims(ada.id), Algorithm::HS256, TEST_SECRET);
    let (status, _) = parts(app.call(Method::GET, "/api/tasks", Some(&token), None).await).await;
    assert_eq!(status, 200, "the attack fixtures differ from a valid token only in what they name");
}

#[actix_web::test]
async fn token_in_the_query_string_is_ignored() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let path = format!("/api/tasks?access_token={}", ada.token);
    assert_refused(&app, Method::GET, &path, None, "query-string token").await;
}

/// A well-signed token whose account is gone (never was, or soft-deleted) cannot create: the
/// contract's 401, not a 500 from the foreign key.
#[actix_web::test]
async fn a_valid_token_for_an_account_that_is_gone_cannot_create() {
    let app = spawn_app();
    let ghost = sign(&claims(987_654), Algorithm::HS256, TEST_SECRET);
    let deleted = app.user("gone@example.com");
    app.db.execute(&format!("UPDATE users SET deleted_at = now() WHERE id = {}", deleted.id));
    for token in [ghost, deleted.token.clone()] {
        let response = app.call(Method::POST, "/api/tasks", Some(&token), Some(&json!({"title": "T"}))).await;
        assert_eq!(parts(response).await, (401, json!({"detail": "Unauthorized"})));
    }
    assert_eq!(app.db.execute("SELECT 1 FROM tasks"), 0, "nothing was stored");
}

/// The net under session revocation (issue 15, defect 8): a token that outlived its account (a
/// soft-deleted one) reads and changes nothing, on every task endpoint, and gets the contract's 401.
#[actix_web::test]
async fn a_valid_token_for_a_deleted_account_gets_401_everywhere() {
    let app = spawn_app();
    let gone = app.user("gone@example.com");
    let (_, task) = app.create(&gone, &json!({"title": "T"})).await;
    let (_, trashed) = app.create(&gone, &json!({"title": "U"})).await;
    app.delete(&gone, trashed["id"].as_i64().unwrap()).await;
    app.db.execute(&format!("UPDATE users SET deleted_at = now() WHERE id = {}", gone.id));
    let (id, trashed) = (task["id"].clone(), trashed["id"].clone());
    let calls: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, "/api/tasks".into(), None),
        (Method::GET, "/api/tasks?limit=5&sort=title".into(), None),
        (Method::GET, format!("/api/tasks/{id}"), None),
        (Method::PUT, format!("/api/tasks/{id}"), Some(json!({"title": "x"}))),
        (Method::PATCH, format!("/api/tasks/{id}"), Some(json!({"title": "x"}))),
        (Method::DELETE, format!("/api/tasks/{id}"), None),
        (Method::GET, "/api/tasks/trash".into(), None),
        (Method::POST, format!("/api/tasks/{trashed}/restore"), None),
        (Method::DELETE, format!("/api/tasks/trash/{trashed}"), None),
        (Method::DELETE, "/api/tasks/trash".into(), None),
        (Method::POST, "/api/tasks/bulk".into(), Some(json!({"ids": [id], "action": "delete"}))),
    ];
    for (method, path, body) in calls {
        let response = app.call(method.clone(), &path, Some(&gone.token), body.as_ref()).await;
        assert_eq!(parts(response).await, (401, json!({"detail": "Unauthorized"})), "{method} {path}");
    }
    assert_eq!(app.db.execute("SELECT 1 FROM tasks WHERE deleted_at IS NULL"), 1, "nothing changed");
}
