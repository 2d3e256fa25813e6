use shared::testing::{self, TestDb};
pub use shared::testing::{fake_upstream, fake_upstream_on, parts};

pub struct Stack {
    pub url: String,
    pub client: reqwest::Client,
    pub _db: TestDb,
}

/// Starts auth-service, task-service and, in front of them, the gateway.
pub fn spawn_stack() -> Stack {
    spawn_stack_with(|_| {})
}

/// [`spawn_stack`] with every service trusting `X-Forwarded-For` from the gateway (127.0.0.1), as
/// deployed, and the gateway's HTTP settings adjusted by the test.
pub fn spawn_stack_with(adjust_gateway: impl FnOnce(&mut shared::config::HttpConfig)) -> Stack {
    let db = TestDb::new();
    let (auth_listener, auth_url) = testing::listener();
    let (task_listener, task_url) = testing::listener();
    let mut auth = auth_service::config::Config::for_tests(&db.url);
    let mut tasks = task_service::config::Config::for_tests(&db.url);
    auth.http.trusted_proxies = "127.0.0.1".into();
    tasks.http.trusted_proxies = "127.0.0.1".into();
    actix_web::rt::spawn(auth_service::build(auth, auth_listener).unwrap());
    actix_web::rt::spawn(task_service::build(tasks, task_listener).unwrap());
    let (listener, url) = testing::listener();
    let mut config = gateway::config::Config::for_tests(&auth_url, &task_url);
    adjust_gateway(&mut config.http);
    actix_web::rt::spawn(gateway::build(config, listener).unwrap());
    Stack { url, client: reqwest::Client::new(), _db: db }
}

/// Starts a gateway in front of the given upstream URLs and returns its URL.
pub fn spawn_gateway(auth_url: &str, task_url: &str) -> String {
    spawn_gateway_with(gateway::config::Config::for_tests(auth_url, task_url))
}

/// Starts a gateway with `config` and returns its URL.
pub fn spawn_gateway_with(config: gateway::config::Config) -> String {
    let (listener, url) = testing::listener();
    actix_web::rt::spawn(gateway::build(config, listener).unwrap());
    url
}
