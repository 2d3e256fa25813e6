use auth_service::config::Config;
use reqwest::Response;
use serde_json::{Value, json};
use shared::testing::{self, TestDb};
pub use shared::testing::{invalid_fields, parts};

pub struct TestApp {
    pub url: String,
    pub db: TestDb,
    pub client: reqwest::Client,
}

/// Starts auth-service on a free port with its own database.
pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

/// Starts auth-service after letting the test adjust its configuration.
pub fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::new();
    let (listener, url) = testing::listener();
    let mut config = Config::for_tests(&db.url);
    adjust(&mut config);
    actix_web::rt::spawn(auth_service::build(config, listener).expect("start auth-service"));
    TestApp { url, db, client: reqwest::Client::new() }
}

impl TestApp {
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client.post(format!("{}{path}", self.url)).json(body).send().await.expect("request")
    }

    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post("/api/auth/register", &json!({"email": email, "password": password})).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/api/auth/login", &json!({"email": email, "password": password})).await
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        testing::call(&self.client, &self.url, method, path, token, body).await
    }

    /// Registers `email` and signs in: the login's answer (`access_token`, `refresh_token`, ...).
    pub async fn signed_up(&self, email: &str, password: &str) -> Value {
        assert_eq!(self.register(email, password).await.status(), 201);
        self.signed_in(email, password).await
    }

    /// A new session of `email`: the login's answer.
    pub async fn signed_in(&self, email: &str, password: &str) -> Value {
        let (status, body) = parts(self.login(email, password).await).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `POST /api/auth/refresh` with `refresh_token`.
    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post("/api/auth/refresh", &json!({"refresh_token": refresh_token})).await
    }

    /// `login` with owned arguments, for firing many at once.
    pub async fn login_owned(&self, email: String, password: String) -> Response {
        self.login(&email, &password).await
    }
}

/// A syntactically valid email of exactly `len` characters (64-character local part).
pub fn email_of_length(len: usize) -> String {
    let local = "a".repeat(64);
    let labels = format!("{}.{}.", "b".repeat(63), "b".repeat(63));
    let last = "c".repeat(len - 64 - 1 - labels.len() - ".com".len());
    format!("{local}@{labels}{last}.com")
}
