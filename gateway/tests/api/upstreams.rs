use crate::helpers::{parts, spawn_gateway};

/// A URL where nothing listens: bind a port, then free it.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[actix_web::test]
async fn an_upstream_that_is_down_gives_503_with_retry_after() {
    let gateway = spawn_gateway(&dead_url(), &dead_url());
    let client = reqwest::Client::new();
    for path in ["/api/tasks", "/api/auth/login"] {
        let response = client.get(format!("{gateway}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 503, "{path}");
        assert_eq!(response.headers()["retry-after"], "5");
        let (_, body) = parts(response).await;
        assert_eq!(body["detail"], "Upstream service unavailable");
    }
    let response = client.get(format!("{gateway}/health")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(parts(response).await.1["database"], "disconnected");
}
