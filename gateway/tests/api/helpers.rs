use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub use shared::testing::parts;
use shared::testing::{self, TestDb};

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

/// A stand-in upstream on a free port (see [`fake_upstream`]).
pub struct FakeUpstream {
    pub url: String,
    /// Connections accepted so far.
    pub accepted: Arc<AtomicUsize>,
    /// The request heads received so far, as text.
    pub requests: Arc<Mutex<Vec<String>>>,
}

/// Starts a [`FakeUpstream`]: it reads each request head and writes `answer` back (or nothing,
/// when `answer` is `None`), on one thread per connection.
pub fn fake_upstream(answer: Option<&'static str>) -> FakeUpstream {
    let (listener, _) = testing::listener();
    fake_upstream_on(listener, answer)
}

/// A [`FakeUpstream`] on `listener` (a port the test chose, e.g. one that was down before).
pub fn fake_upstream_on(listener: std::net::TcpListener, answer: Option<&'static str>) -> FakeUpstream {
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = FakeUpstream { url, accepted: Arc::default(), requests: Arc::default() };
    let (accepted, requests) = (upstream.accepted.clone(), upstream.requests.clone());
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            accepted.fetch_add(1, Ordering::SeqCst);
            let requests = requests.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while let Ok(1) = socket.read(&mut byte) {
                    head.push(byte[0]);
                    if head.ends_with(b"\r\n\r\n") {
                        requests.lock().unwrap().push(String::from_utf8_lossy(&head).into_owned());
                        head.clear();
                        match answer {
                            Some(answer) if socket.write_all(answer.as_bytes()).is_ok() => {}
                            Some(_) => return,
                            None => {}
                        }
                    }
                }
            });
        }
    });
    upstream
}
