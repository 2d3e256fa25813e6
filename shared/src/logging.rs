//! JSON logs on stdout, one object a line, through `env_logger` (level from `RUST_LOG`).
//! Structured fields come from `log`'s key-values: `log::info!(request_id = id; "request")`.

use std::io::Write;

use log::kv::{Error, Key, Value, VisitSource};
use serde_json::{Map, Value as Json};

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
            let context = crate::http::log_context();
            let service = context.as_ref().and_then(|c| c.0).unwrap_or(service);
            line.insert("service".into(), Json::String(service.into()));
            line.insert("message".into(), Json::String(record.args().to_string()));
            line.insert("target".into(), Json::String(record.target().into()));
            if let Some((_, request_id, user_id)) = context {
                line.insert("request_id".into(), Json::String(request_id));
                if let Some(user_id) = user_id {
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
