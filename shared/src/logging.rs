//! JSON logs on stdout, one object a line, through `env_logger` (level from `RUST_LOG`).
//! Structured fields come from `log`'s key-values: `log::info!(request_id = id; "request")`.
//!
//! Every line written while a request is handled carries its [`Context`] (service, request id and,
//! once known, user id): on the request's own task through a task-local, and on the database and
//! hashing threads through [`Context::enter`], which `Workers` calls around each piece of work.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

use log::kv::{Error, Key, Value, VisitSource};
use serde_json::{Map, Value as Json};

/// Who a log line is about: the request being handled, wherever the line is written.
#[derive(Debug, Clone)]
pub struct Context {
    pub service: Option<&'static str>,
    pub request_id: Arc<str>,
    pub user_id: Option<i64>,
}

/// The request's context as its task holds it: the user id is learnt during the request; the
/// request's span, when tracing is on (`crate::telemetry`).
struct Scope {
    service: Option<&'static str>,
    request_id: Arc<str>,
    user_id: Cell<Option<i64>>,
    trace: Option<opentelemetry::Context>,
}

tokio::task_local! {
    static SCOPE: Rc<Scope>;
}

thread_local! {
    /// The context of the work running on this (database or hashing) thread.
    static ENTERED: RefCell<Option<Context>> = const { RefCell::new(None) };
}

impl Context {
    /// The context of the request this line belongs to: the task's, or the work's on a worker thread.
    pub fn current() -> Option<Context> {
        SCOPE
            .try_with(|s| Context { service: s.service, request_id: s.request_id.clone(), user_id: s.user_id.get() })
            .ok()
            .or_else(|| ENTERED.with_borrow(Clone::clone))
    }

    /// Makes this the context of the current thread until the guard is dropped.
    pub fn enter(self) -> Entered {
        Entered(ENTERED.replace(Some(self)))
    }
}

/// Restores the thread's previous context when dropped.
pub struct Entered(Option<Context>);

impl Drop for Entered {
    fn drop(&mut self) {
        ENTERED.set(self.0.take());
    }
}

/// A request's log context, held by the middleware that runs the request inside it.
#[derive(Clone)]
pub struct RequestScope(Rc<Scope>);

impl RequestScope {
    pub fn new(service: Option<&'static str>, request_id: Arc<str>) -> Self {
        Self::traced(service, request_id, None)
    }

    /// [`Self::new`] with the request's span, the parent of the spans made while it runs.
    pub fn traced(service: Option<&'static str>, request_id: Arc<str>, trace: Option<opentelemetry::Context>) -> Self {
        Self(Rc::new(Scope { service, request_id, user_id: Cell::new(None), trace }))
    }

    /// Runs `future` with this context on every line it logs.
    pub async fn run<F: Future>(&self, future: F) -> F::Output {
        SCOPE.scope(self.0.clone(), future).await
    }

    /// The user the request authenticated as, if it did.
    pub fn user_id(&self) -> Option<i64> {
        self.0.user_id.get()
    }
}

/// The current request's service, id and span, when it is traced (`crate::telemetry::child`).
pub fn trace_parent() -> Option<(&'static str, Arc<str>, opentelemetry::Context)> {
    SCOPE.try_with(|s| Some((s.service.unwrap_or("taskhub"), s.request_id.clone(), s.trace.clone()?))).ok().flatten()
}

/// Notes the authenticated user for the rest of the request's log lines.
pub fn set_user(user_id: i64) {
    let _ = SCOPE.try_with(|s| s.user_id.set(Some(user_id)));
}

/// Installs the JSON logger for `service`. Calling it again (as tests do) is harmless.
pub fn init(service: &'static str) {
    init_with_target(service, env_logger::Target::Stdout);
}

/// Installs the JSON logger writing to `target` (tests capture the lines through a pipe).
pub fn init_with_target(service: &'static str, target: env_logger::Target) {
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .target(target)
        .format(move |buf, record| {
            let mut line = Map::new();
            line.insert(
                "timestamp".into(),
                Json::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            );
            line.insert("level".into(), Json::String(level_name(record.level()).into()));
            let context = Context::current();
            let service = context.as_ref().and_then(|c| c.service).unwrap_or(service);
            line.insert("service".into(), Json::String(service.into()));
            line.insert("message".into(), Json::String(record.args().to_string()));
            line.insert("target".into(), Json::String(record.target().into()));
            if let Some(context) = context {
                line.insert("request_id".into(), Json::String(context.request_id.as_ref().into()));
                if let Some(user_id) = context.user_id {
                    line.insert("user_id".into(), Json::from(user_id));
                }
            }
            let _ = record.key_values().visit(&mut Fields(&mut line));
            writeln!(buf, "{}", Json::Object(line))
        })
        .try_init();
}

/// The spec's level names (WARNING rather than WARN).
fn level_name(level: log::Level) -> &'static str {
    match level {
        log::Level::Error => "ERROR",
        log::Level::Warn => "WARNING",
        log::Level::Info => "INFO",
        log::Level::Debug => "DEBUG",
        log::Level::Trace => "TRACE",
    }
}

struct Fields<'a>(&'a mut Map<String, Json>);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), Error> {
        let json = if let Some(n) = value.to_i64() {
            Json::from(n)
        } else if let Some(n) = value.to_u64() {
            Json::from(n)
        } else if let Some(b) = value.to_bool() {
            Json::from(b)
        } else if let Some(f) = value.to_f64() {
            Json::from(f)
        } else {
            Json::String(value.to_string())
        };
        self.0.insert(key.as_str().to_owned(), json);
        Ok(())
    }
}

/// Logs `message` with structured `fields` (for lines whose fields vary, such as optional ids).
pub fn emit(level: log::Level, target: &str, message: &str, fields: &[(&str, Value<'_>)]) {
    log::logger().log(
        &log::Record::builder().level(level).target(target).args(format_args!("{message}")).key_values(&fields).build(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entered_context_is_current_on_its_thread_until_dropped() {
        assert!(Context::current().is_none());
        let context = Context { service: Some("svc"), request_id: "req-1".into(), user_id: Some(3) };
        {
            let _entered = context.enter();
            let current = Context::current().expect("entered");
            assert_eq!((current.request_id.as_ref(), current.user_id), ("req-1", Some(3)));
        }
        assert!(Context::current().is_none());
    }

    #[test]
    fn a_request_scope_carries_the_user_learnt_during_the_request() {
        let scope = RequestScope::new(Some("svc"), "req-2".into());
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let seen = runtime.block_on(scope.run(async {
            set_user(9);
            Context::current().map(|c| (c.request_id.to_string(), c.user_id))
        }));
        assert_eq!(seen, Some(("req-2".to_owned(), Some(9))));
        assert_eq!(scope.user_id(), Some(9));
    }
}
