use shared::config::DatabaseConfig;
pub use shared::testing::parts;
use shared::testing::{self, TestDb};

pub struct Stack {
    pub url: String,
    pub client: reqwest::Client,
    pub _db: TestDb,
}

/// Starts auth-service, task-service and, in front of them, the gateway.
pub fn spawn_stack() -> Stack {
    spawn_stack_with("")
}

/// [`spawn_stack`] with the gateway allowing the given CORS origins.
pub fn spawn_stack_with(cors_allowed_origins: &str) -> Stack {
    let db = TestDb::new();
    let (auth_listener, auth_url) = testing::listener();
    let (task_listener, task_url) = testing::listener();
    let auth = auth_service::config::Config {
        addr: String::new(),
        database: DatabaseConfig::new(&db.url),
        jwt: testing::jwt_config(),
        http: testing::http_config(),
        limits: Default::default(),
    };
    let tasks = task_service::config::Config {
        addr: String::new(),
        database: DatabaseConfig::new(&db.url),
        jwt: testing::jwt_config(),
        http: testing::http_config(),
        max_tasks_per_user: task_service::config::DEFAULT_MAX_TASKS,
    };
    actix_web::rt::spawn(auth_service::build(auth, auth_listener).unwrap());
    actix_web::rt::spawn(task_service::build(tasks, task_listener).unwrap());
    let (listener, url) = testing::listener();
    let mut config = gateway::config::Config::new(auth_url, task_url);
    config.http = testing::http_config();
    config.http.cors_allowed_origins = cors_allowed_origins.to_owned();
    actix_web::rt::spawn(gateway::build(config, listener).unwrap());
    Stack { url, client: reqwest::Client::new(), _db: db }
}

/// Starts a gateway in front of the given upstream URLs and returns its URL.
pub fn spawn_gateway(auth_url: &str, task_url: &str) -> String {
    let (listener, url) = testing::listener();
    let mut config = gateway::config::Config::new(auth_url, task_url);
    config.http = testing::http_config();
    actix_web::rt::spawn(gateway::build(config, listener).unwrap());
    url
}
