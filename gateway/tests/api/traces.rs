//! Issue 20: traces. With `OTEL_EXPORTER_OTLP_ENDPOINT` set, one client request is one trace: the
//! gateway's span (a child of the client's `traceparent`), the service's span under it, and the
//! service's database call under that, each with the request id; exported over OTLP/HTTP to a
//! receiver in this test.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;
use serde_json::json;

use crate::helpers::spawn_stack;

/// One span as the receiver got it.
#[derive(Debug, Clone)]
struct Received {
    scope: String,
    name: String,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    request_id: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An OTLP/HTTP receiver on a free port: decodes each `POST /v1/traces` and keeps its spans.
fn otlp_receiver() -> (String, Arc<Mutex<Vec<Received>>>) {
    let (listener, url) = shared::testing::listener();
    let spans: Arc<Mutex<Vec<Received>>> = Arc::default();
    let kept = spans.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let kept = kept.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let (mut line, mut length) = (String::new(), 0usize);
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut header = String::new();
                        reader.read_line(&mut header).unwrap();
                        if header.trim().is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let request = ExportTraceServiceRequest::decode(body.as_slice()).expect("an OTLP trace export");
                    for scope_spans in request.resource_spans.iter().flat_map(|r| &r.scope_spans) {
                        let scope = scope_spans.scope.as_ref().map(|s| s.name.clone()).unwrap_or_default();
                        for span in &scope_spans.spans {
                            let request_id =
                                span.attributes.iter().find(|a| a.key == "request_id").and_then(|a| {
                                    match a.value.as_ref()?.value.as_ref()? {
                                        AnyValue::StringValue(s) => Some(s.clone()),
                                        _ => None,
                                    }
                                });
                            kept.lock().unwrap().push(Received {
                                scope: scope.clone(),
                                name: span.name.clone(),
                                trace_id: hex(&span.trace_id),
                                span_id: hex(&span.span_id),
                                parent_span_id: hex(&span.parent_span_id),
                                request_id,
                            });
                        }
                    }
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    stream.write_all(answer.as_bytes()).unwrap();
                }
            });
        }
    });
    (url, spans)
}

#[actix_web::test]
async fn one_client_request_is_one_trace_from_the_gateway_to_the_database() {
    let (receiver, spans) = otlp_receiver();
    shared::telemetry::install("taskhub", &receiver).unwrap();
    let stack = spawn_stack();
    let credentials = json!({"email": "ada@example.com", "password": "correct horse battery"});
    let register =
        stack.client.post(format!("{}/api/auth/register", stack.url)).json(&credentials).send().await.unwrap();
    assert_eq!(register.status(), 201);
    let login = stack.client.post(format!("{}/api/auth/login", stack.url)).json(&credentials).send().await.unwrap();
    let token = login.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();

    let (trace_id, client_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let response = stack
        .client
        .get(format!("{}/api/tasks", stack.url))
        .bearer_auth(&token)
        .header("traceparent", format!("00-{trace_id}-{client_span}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();

    let deadline = Instant::now() + Duration::from_secs(10);
    let trace = loop {
        shared::telemetry::flush();
        let trace: Vec<Received> = spans.lock().unwrap().iter().filter(|s| s.trace_id == trace_id).cloned().collect();
        if trace.iter().any(|s| s.name == "db") || Instant::now() > deadline {
            break trace;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    let find = |scope: &str, name: &str| {
        trace
            .iter()
            .find(|s| s.scope == scope && s.name == name)
            .unwrap_or_else(|| panic!("no {scope} span {name} in {trace:#?}"))
    };
    let gateway = find("gateway", "GET /api/tasks");
    let service = find("task-service", "GET /api/tasks");
    let db = find("task-service", "db");
    assert_eq!(gateway.parent_span_id, client_span, "the gateway continues the client's trace");
    assert_eq!(service.parent_span_id, gateway.span_id, "the service's span is the gateway's child");
    assert_eq!(db.parent_span_id, service.span_id, "the database call is the service's child");
    for span in &trace {
        assert_eq!(span.request_id.as_deref(), Some(request_id.as_str()), "{span:?}");
    }
    // The sign-in hashed a password under its own trace, in a span of its own.
    assert!(spans.lock().unwrap().iter().any(|s| s.scope == "auth-service" && s.name == "hash"));
}
