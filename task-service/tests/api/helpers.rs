use diesel::prelude::*;
use reqwest::{Method, Response};
use serde_json::Value;
use shared::auth::JwtKeys;
use shared::config::JwtConfig;
use shared::db::schema::{sessions, users};
use shared::testing::{self, TestDb};
pub use shared::testing::{invalid_fields, parts};
use shared::{SessionId, UserId};
use task_service::config::Config;

pub struct TestApp {
    pub url: String,
    pub db: TestDb,
    pub client: reqwest::Client,
}

/// A user that exists in the database, with a valid token.
pub struct TestUser {
    pub id: i64,
    pub token: String,
}

/// Starts task-service on a free port with its own database.
pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

/// Starts task-service after letting the test adjust its configuration.
pub fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::new();
    let (listener, url) = testing::listener();
    let mut config = Config::for_tests(&db.url);
    adjust(&mut config);
    actix_web::rt::spawn(task_service::build(config, listener).expect("start task-service"));
    TestApp { url, db, client: reqwest::Client::new() }
}

/// Inserts a user row and a session into `db` (auth-service's job in production) and issues the
/// session a token.
pub fn user_in(db: &TestDb, email: &str) -> TestUser {
    let id = diesel::insert_into(users::table)
        .values((users::email.eq(email), users::password_hash.eq("x")))
        .returning(users::id)
        .get_result(&mut db.conn())
        .unwrap();
    let session = diesel::insert_into(sessions::table)
        .values((sessions::user_id.eq(id), sessions::expires_at.eq(chrono::Utc::now() + chrono::Duration::days(30))))
        .returning(sessions::id)
        .get_result(&mut db.conn())
        .unwrap();
    TestUser { id, token: JwtKeys::new(&JwtConfig::for_tests()).issue(UserId(id), SessionId(session)).unwrap().token }
}

impl TestApp {
    /// A user of this app's database, with a token.
    pub fn user(&self, email: &str) -> TestUser {
        user_in(&self.db, email)
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Response {
        testing::call(&self.client, &self.url, method, path, token, body).await
    }

    /// A request with extra headers (`If-Match`, `Idempotency-Key`, ...).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        user: &TestUser,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.request(method, format!("{}{path}", self.url)).bearer_auth(&user.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    /// `GET path`'s status and body.
    pub async fn get_json(&self, user: &TestUser, path: &str) -> (u16, Value) {
        parts(self.call(Method::GET, path, Some(&user.token), None).await).await
    }

    /// Creates a task and returns it (the create must succeed).
    pub async fn task(&self, user: &TestUser, body: Value) -> Value {
        let (status, task) = self.create(user, &body).await;
        assert_eq!(status, 201, "{task}");
        task
    }

    /// The ids of a list answer's tasks.
    pub fn ids(body: &Value) -> Vec<i64> {
        body["tasks"].as_array().expect("tasks").iter().map(|t| t["id"].as_i64().unwrap()).collect()
    }

    /// Runs SQL against this app's database (to age rows, say).
    pub fn sql(&self, query: &str) {
        diesel::sql_query(query).execute(&mut self.db.conn()).unwrap();
    }

    pub async fn create(&self, user: &TestUser, body: &Value) -> (u16, Value) {
        parts(self.call(Method::POST, "/api/tasks", Some(&user.token), Some(body)).await).await
    }

    pub async fn list(&self, user: &TestUser) -> Vec<Value> {
        let (status, body) = parts(self.call(Method::GET, "/api/tasks", Some(&user.token), None).await).await;
        assert_eq!(status, 200);
        body["tasks"].as_array().unwrap().clone()
    }

    pub async fn get(&self, user: &TestUser, id: i64) -> (u16, Value) {
        parts(self.call(Method::GET, &format!("/api/tasks/{id}"), Some(&user.token), None).await).await
    }

    pub async fn update(&self, user: &TestUser, id: i64, body: &Value) -> (u16, Value) {
        parts(self.call(Method::PUT, &format!("/api/tasks/{id}"), Some(&user.token), Some(body)).await).await
    }

    pub async fn delete(&self, user: &TestUser, id: i64) -> (u16, Value) {
        parts(self.call(Method::DELETE, &format!("/api/tasks/{id}"), Some(&user.token), None).await).await
    }
}
