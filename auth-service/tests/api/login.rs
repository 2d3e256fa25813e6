use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde_json::{Value, json};
use shared::config::TEST_SECRET;

use crate::helpers::{invalid_fields, parts, spawn_app};

#[actix_web::test]
async fn login_returns_a_bearer_token_for_the_user() {
    let app = spawn_app();
    let (_, user) = parts(app.register("ada@example.com", "correct horse").await).await;
    let (status, body) = parts(app.login(" ADA@example.com", "correct horse").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86400);

    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["taskhub"]);
    validation.set_issuer(&["taskhub-auth"]);
    let token = body["access_token"].as_str().unwrap();
    let claims = decode::<Value>(token, &DecodingKey::from_secret(TEST_SECRET.as_bytes()), &validation).unwrap().claims;
    assert_eq!(claims["sub"], user["id"].as_i64().unwrap().to_string());
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 86400);
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app();
    app.register("ada@example.com", "correct horse").await;
    let wrong_password = parts(app.login("ada@example.com", "wrong horse").await).await;
    let unknown_email = parts(app.login("nobody@example.com", "correct horse").await).await;
    assert_eq!(wrong_password.0, 401);
    assert_eq!(wrong_password.1["detail"], "Invalid credentials");
    assert_eq!(wrong_password, unknown_email);
}

#[actix_web::test]
async fn login_validates_its_input() {
    let app = spawn_app();
    let cases = [
        (json!({"password": "correct horse"}), vec!["email"]),
        (json!({"email": "ada@example.com"}), vec!["password"]),
        (json!({"email": "ada@example.com", "password": ""}), vec!["password"]),
        (json!({"email": "ada@example.com", "password": "p".repeat(129)}), vec!["password"]),
        // An array is not read field by field as [email, password].
        (json!(["ada@example.com", "correct horse"]), vec!["body"]),
    ];
    app.register("ada@example.com", "correct horse").await;
    for (input, fields) in cases {
        let (status, body) = parts(app.post("/api/auth/login", &input).await).await;
        assert_eq!(status, 422, "{input}");
        assert_eq!(invalid_fields(&body), fields, "{input}");
    }
}

#[actix_web::test]
async fn health_reports_the_database() {
    let app = spawn_app();
    let (status, body) = parts(app.client.get(format!("{}/health", app.url)).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"status": "ok", "database": "connected"}));
    // what the gateway probes each replica with: no database in it
    let live = parts(app.client.get(format!("{}/health/live", app.url)).send().await.unwrap()).await;
    assert_eq!(live, (200, json!({"status": "ok"})));
}
