use serde_json::json;

use crate::helpers::{email_of_length, invalid_fields, parts, spawn_app};

#[actix_web::test]
async fn register_creates_an_account_with_a_normalised_email() {
    let app = spawn_app();
    let (status, body) = parts(app.register("  Ada@Example.COM ", "correct horse").await).await;
    assert_eq!(status, 201);
    assert_eq!(body["email"], "ada@example.com");
    assert!(body["id"].as_i64().unwrap() > 0);
    assert!(chrono::DateTime::parse_from_rfc3339(body["created_at"].as_str().unwrap()).is_ok());
    assert_eq!(body.as_object().unwrap().len(), 3, "only id, email, created_at: {body}");
}

#[actix_web::test]
async fn password_is_stored_as_an_argon2id_hash() {
    let app = spawn_app();
    app.register("ada@example.com", "correct horse").await;
    use diesel::prelude::*;
    use shared::db::schema::users;
    let hash: String = users::table.select(users::password_hash).first(&mut app.db.conn()).unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
}

#[actix_web::test]
async fn duplicate_email_is_refused_whatever_its_case() {
    let app = spawn_app();
    assert_eq!(app.register("ada@example.com", "correct horse").await.status(), 201);
    let (status, body) = parts(app.register("ADA@example.com", "another password").await).await;
    assert_eq!(status, 400);
    assert_eq!(body["detail"], "Email already exists");
}

#[actix_web::test]
async fn invalid_input_gets_422_naming_each_field() {
    let app = spawn_app();
    let long_email = email_of_length(256);
    let cases = [
        (json!({"email": "not-an-email", "password": "correct horse"}), vec!["email"]),
        (json!({"email": long_email, "password": "correct horse"}), vec!["email"]),
        (json!({"email": "ada@example.com", "password": "short77"}), vec!["password"]),
        (json!({"email": "ada@example.com", "password": "p".repeat(129)}), vec!["password"]),
        (json!({"email": "bad", "password": "short"}), vec!["email", "password"]),
        (json!({"password": "correct horse"}), vec!["email"]),
        (json!({"email": "ada@example.com"}), vec!["password"]),
        (json!({"email": 5, "password": "correct horse"}), vec!["email"]),
        (json!(["not", "an", "object"]), vec!["body"]),
    ];
    for (input, fields) in cases {
        let (status, body) = parts(app.post("/api/auth/register", &input).await).await;
        assert_eq!(status, 422, "{input}");
        assert_eq!(body["detail"], "Validation error");
        assert_eq!(invalid_fields(&body), fields, "{input}");
    }
}

#[actix_web::test]
async fn boundary_lengths_are_accepted() {
    let app = spawn_app();
    let email = email_of_length(255);
    assert_eq!(email.len(), 255);
    assert_eq!(app.register(&email, &"p".repeat(128)).await.status(), 201);
    assert_eq!(app.register("b@example.com", "8chars!!").await.status(), 201);
}

#[actix_web::test]
async fn malformed_json_wrong_type_and_huge_bodies_get_4xx_in_the_error_format() {
    let app = spawn_app();
    let url = format!("{}/api/auth/register", app.url);
    let send = |body: Vec<u8>, content_type: &'static str| {
        app.client.post(&url).header("content-type", content_type).body(body).send()
    };
    let (status, body) = parts(send(b"{\"email\":".to_vec(), "application/json").await.unwrap()).await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["body"]));

    let (status, body) = parts(send(b"email=a".to_vec(), "application/x-www-form-urlencoded").await.unwrap()).await;
    assert_eq!(status, 415);
    assert_eq!(body["detail"], "Content-Type must be application/json");

    // JSON is UTF-8: a body declared in another charset would be misread, so it is refused.
    let utf16: Vec<u8> = r#"{"email":"ada@example.com","password":"correct horse"}"#.bytes().collect();
    for charset in ["application/json; charset=utf-16", "application/json;charset=\"latin1\""] {
        let (status, _) = parts(send(utf16.clone(), charset).await.unwrap()).await;
        assert_eq!(status, 415, "{charset}");
    }
    let (status, _) = parts(send(utf16, "application/json; charset=UTF-8").await.unwrap()).await;
    assert_eq!(status, 201, "UTF-8 declared is fine");

    let (status, body) = parts(send(vec![b' '; 70 * 1024], "application/json").await.unwrap()).await;
    assert_eq!(status, 413);
    assert_eq!(body["error_code"], "PAYLOAD_TOO_LARGE");
}

#[actix_web::test]
async fn wrong_method_gets_405_with_allow() {
    let app = spawn_app();
    let response = app.client.get(format!("{}/api/auth/register", app.url)).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(parts(response).await.1["detail"], "Method not allowed");
}

/// One mailbox, one account: look-alike spellings of a registered address are that address (400
/// Email already exists), and invisible characters are refused (422).
#[actix_web::test]
async fn look_alike_emails_cannot_make_a_second_account() {
    let app = spawn_app();
    assert_eq!(app.register("bob@exämple.com", "correct horse").await.status(), 201);
    assert_eq!(app.register("bob@example.com", "correct horse").await.status(), 201);
    assert_eq!(app.register("carl@straße.de", "correct horse").await.status(), 201);
    for same in [
        "bob@ｅｘａｍｐｌｅ.ｃｏｍ",
        "bob@example。com",
        "bob@exa\u{308}mple.com", // NFD of the first
        "bob@xn--exmple-cua.com", // its punycode
        "carl@xn--strae-oqa.de",
    ] {
        let (status, body) = parts(app.register(same, "correct horse").await).await;
        assert_eq!((status, body["error_code"].as_str()), (400, Some("EMAIL_EXISTS")), "{same:?}");
    }
    for invisible in ["bob@exa\u{ad}mple.com", "bob@exa\u{200b}mple.com"] {
        let (status, body) = parts(app.register(invisible, "correct horse").await).await;
        assert_eq!((status, invalid_fields(&body)), (422, vec!["email"]), "{invisible:?}");
    }
    assert_eq!(app.db.execute("SELECT 1 FROM users"), 3);
    // Any spelling signs in to the one account.
    assert_eq!(app.login("bob@ｅｘａｍｐｌｅ.ｃｏｍ", "correct horse").await.status(), 200);
    assert_eq!(app.login("carl@xn--strae-oqa.de", "correct horse").await.status(), 200);
}

/// Accounts made before emails had one stored form are rewritten into it (their owners keep
/// signing in), and one whose form is another account's is reported and left alone.
#[actix_web::test]
async fn stored_emails_are_renormalized_and_collisions_reported() {
    let app = spawn_app();
    app.register("bob@example.com", "correct horse").await;
    app.register("carol-to-be@example.com", "correct horse").await;
    app.db.execute("UPDATE users SET email = 'carol@ｅｘａｍｐｌｅ.com' WHERE email = 'carol-to-be@example.com'");
    app.db.execute("INSERT INTO users (email, password_hash) VALUES ('bob@ｅｘａｍｐｌｅ.com', 'x'), ('dan@exa\u{200b}mple.com', 'x')");
    let report = auth_service::users::renormalize_emails(&mut app.db.conn()).unwrap();
    assert_eq!(report.updated, 1);
    assert_eq!(report.collisions.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(), ["bob@ｅｘａｍｐｌｅ.com"]);
    assert_eq!(report.invalid.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(), ["dan@exa\u{200b}mple.com"]);
    assert_eq!(app.db.execute("SELECT 1 FROM users"), 4, "nothing dropped");
    assert_eq!(app.login("carol@example.com", "correct horse").await.status(), 200);
    let again = auth_service::users::renormalize_emails(&mut app.db.conn()).unwrap();
    assert_eq!(again.updated, 0, "a second run changes nothing");
}
