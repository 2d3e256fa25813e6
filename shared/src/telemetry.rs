//! OpenTelemetry traces (issue 20): a span for each request (its parent read from the W3C
//! `traceparent` header), a child span for each database call and each password hash, the
//! request id on every span; the gateway passes its span on to the service it forwards to.
//! Exported over OTLP/HTTP (protobuf, batched on the exporter's own thread) when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set; otherwise nothing is installed and each would-be span
//! costs one check of a `OnceLock`.

use std::sync::OnceLock;

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde::Deserialize;

use crate::config::{ConfigError, from_env};

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL (`http://collector:4318`); traces
/// go to its `/v1/traces`. Unset or empty: no tracing.
#[derive(Debug, Default, Deserialize)]
pub struct TelemetryConfig {
    #[serde(default)]
    pub otel_exporter_otlp_endpoint: Option<String>,
}

/// Reads [`TelemetryConfig`] and, with an endpoint, installs the exporter for `service` (its
/// `service.name`). Called once by each service's `main`.
pub fn init_from_env(service: &'static str) -> Result<(), ConfigError> {
    let config: TelemetryConfig = from_env()?;
    match config.otel_exporter_otlp_endpoint.as_deref().map(str::trim) {
        Some(endpoint) if !endpoint.is_empty() => {
            install(service, endpoint).map_err(|e| ConfigError(format!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}")))?;
            log::info!("traces exported to {endpoint}");
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Installs the exporter to `endpoint` for this process (the first call wins: in tests several
/// services share a process, and their spans tell them apart by their instrumentation scope, the
/// service's name).
pub fn install(service: &'static str, endpoint: &str) -> Result<(), String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()
        .map_err(|e| e.to_string())?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(service).build();
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    let _ = PROVIDER.set(provider);
    Ok(())
}

/// Whether spans are recorded.
pub fn enabled() -> bool {
    PROVIDER.get().is_some()
}

/// Sends every finished span now (tests; a service's shutdown).
pub fn flush() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.force_flush();
    }
}

/// A request's span, started from the incoming headers' `traceparent`: the context that the
/// request's own spans and the gateway's upstream request carry. `None` when tracing is off.
pub fn request_span(
    service: &'static str,
    method: &str,
    path: &str,
    request_id: &str,
    headers: &actix_web::http::header::HeaderMap,
) -> Option<Context> {
    let provider = PROVIDER.get()?;
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    let tracer = provider.tracer(service);
    let span = tracer
        .span_builder(method.to_owned())
        .with_kind(SpanKind::Server)
        .with_attributes([
            KeyValue::new("http.request.method", method.to_owned()),
            KeyValue::new("url.path", path.to_owned()),
            KeyValue::new("request_id", request_id.to_owned()),
        ])
        .start_with_context(&tracer, &parent);
    Some(parent.with_span(span))
}

/// Ends a request's span with the route that matched and the status answered.
pub fn end_request(context: &Context, method: &str, route: &str, status: u16) {
    let span = context.span();
    span.update_name(format!("{method} {route}"));
    span.set_attribute(KeyValue::new("http.route", route.to_owned()));
    span.set_attribute(KeyValue::new("http.response.status_code", i64::from(status)));
    if status >= 500 {
        span.set_status(Status::error(format!("{status}")));
    }
    span.end();
}

/// A child span of the current request's (`name`: `db`, `hash`), ended when dropped; `None`
/// when tracing is off or no request is under way.
pub fn child(name: &'static str) -> Option<ChildSpan> {
    let provider = PROVIDER.get()?;
    let (service, request_id, parent) = crate::logging::trace_parent()?;
    let tracer = provider.tracer(service);
    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Internal)
        .with_attributes([KeyValue::new("request_id", request_id.to_string())])
        .start_with_context(&tracer, &parent);
    Some(ChildSpan(parent.with_span(span)))
}

/// A span that ends when dropped.
pub struct ChildSpan(Context);

impl Drop for ChildSpan {
    fn drop(&mut self) {
        self.0.span().end();
    }
}

/// Calls `set(name, value)` for the headers that carry the current request's span to the next
/// hop (`traceparent`, `tracestate`). Nothing when tracing is off.
pub fn inject(set: impl FnMut(&str, String)) {
    if !enabled() {
        return;
    }
    if let Some((_, _, context)) = crate::logging::trace_parent() {
        TraceContextPropagator::new().inject_context(&context, &mut Setter(set));
    }
}

struct Headers<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

struct Setter<F>(F);

impl<F: FnMut(&str, String)> Injector for Setter<F> {
    fn set(&mut self, key: &str, value: String) {
        (self.0)(key, value);
    }
}
