//! task-service across a link to PostgreSQL that goes silent for real: packets dropped by the
//! kernel, not refused, and not a proxy that stops reading (issue 15, defect 5).
//!
//! The path: task-service (this process) -> 10.213.X.2:5432, a socat inside a network namespace of
//! its own, reached over a veth pair -> 10.213.X.1:<port> on the host, a [`TcpProxy`] -> the
//! PostgreSQL server. `ip route add blackhole 10.213.X.1/32` inside the namespace silences both
//! legs: the namespace's replies to the service, and its bytes to the proxy, are dropped there
//! without an error or an ICMP message reaching the host. (Checked by hand first: a psql session
//! across this path without libpq's link settings hung with its query unacknowledged for as long
//! as the route was there; with them it failed after 2.4 s with "could not receive data from server:
//! Connection timed out", and a new connection failed after 2.1 s.) With the settings turned off
//! in the service's URL (`tcp_user_timeout=0&keepalives=0`), this test fails: the query in flight
//! and the requests that took an idle pooled connection got no answer within 30 s.
//!
//! It needs root, `ip` (iproute2) and `socat` (scripts/bootstrap.sh installs them). Without them
//! the test fails, saying why on stderr, unless `TASKHUB_SKIP_NETNS=1` is set: then it says so on
//! stderr and passes (nextest shows a passing test's stderr with `--no-capture`). CI runs as root,
//! so there it always runs.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use shared::testing::{TcpProxy, TestDb};

use crate::helpers::{TestApp, spawn_app_with, user_in};

/// The deadline: every request ends with 503 + `Retry-After` within 5 s of the database
/// going silent (for a request that arrives later, within 5 s of its arrival).
const DEADLINE: Duration = Duration::from_secs(5);
/// Load during the silence: one request every 50 ms (20 req/s) for 3 s.
const SPACING: Duration = Duration::from_millis(50);
const REQUESTS: u32 = 60;
/// Names of this test's namespaces; the number is the test process's id.
const NS_PREFIX: &str = "taskhub-silent-";

#[actix_web::test]
async fn every_request_ends_with_503_within_5s_of_the_link_going_silent_and_recovery_needs_no_restart() {
    let Some((db, link)) = setup_or_skip() else { return };
    let via_link = db.url_via(link.addr);
    // The production defaults: 5 connections, 3 s pool timeout, libpq's LINK_SETTINGS.
    let app = Rc::new(spawn_app_with(|c| c.database.database_url = via_link.into()));
    let ada = user_in(&db, "ada@example.com");
    let token = Rc::new(ada.token.clone());
    assert_eq!(app.call(Method::GET, "/api/tasks", Some(&token), None).await.status(), 200);
    // Every pooled connection open and idle, so that requests arriving in the silence send their
    // query on a connection that looks alive (the unacknowledged-data case: tcp_user_timeout).
    for _ in 0..3 {
        let warm: Vec<_> = (0..10).map(|_| spawn_get(&app, &token)).collect();
        for request in warm {
            assert_eq!(request.await.unwrap().status, Some(200));
        }
    }

    // The query in flight: sent and acknowledged, waiting on a lock in PostgreSQL for its answer
    // (the idle-link case: keepalives), when the link goes silent.
    let mut locker = db.conn();
    locker.batch_execute("BEGIN; LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE").expect("lock tasks");
    let in_flight = spawn_get(&app, &token);
    wait_for_lock_waiter(&db).await;

    let silent = Instant::now();
    link.go_silent();
    let arriving: Vec<_> = (0..REQUESTS)
        .map(|n| {
            let (app, token) = (app.clone(), token.clone());
            actix_web::rt::spawn(async move {
                actix_web::rt::time::sleep_until((silent + SPACING * n).into()).await;
                get(&app, &token).await
            })
        })
        .collect();
    let in_flight = in_flight.await.unwrap();
    let mut arrived = Vec::new();
    for request in arriving {
        arrived.push(request.await.unwrap());
    }
    locker.batch_execute("ROLLBACK").expect("unlock tasks");

    // Measured here, by this process's clock: from just before the blackhole route went in (or
    // from its sending, for a request sent later) to the end of the response.
    let waited = |o: &Outcome| o.ended - o.sent.max(silent);
    let own: Vec<String> = arrived.iter().map(|o| format!("{:.2}", waited(o).as_secs_f64())).collect();
    let last = arrived.iter().map(|o| o.ended - silent).max().unwrap();
    eprintln!(
        "silent_link: the request in flight got {:?} (Retry-After {:?}) {:.2} s into the silence; the {REQUESTS} \
         requests sent into it at 20 req/s got {:?}, each after (s, in order of sending) {}; the last ended {:.2} s \
         after the silence began",
        in_flight.status,
        in_flight.retry_after,
        waited(&in_flight).as_secs_f64(),
        statuses(&arrived),
        own.join(" "),
        last.as_secs_f64(),
    );
    assert_ended_in_time(&in_flight, waited(&in_flight), "the request in flight");
    for (n, outcome) in arrived.iter().enumerate() {
        let what = format!("the request sent {:.2} s into the silence", (SPACING * n as u32).as_secs_f64());
        assert_ended_in_time(outcome, waited(outcome), &what);
    }

    // Recovery: the link returns and the same service answers again, without a restart.
    let silence = silent.elapsed();
    link.restore();
    let restored = Instant::now();
    let mut before_recovery = Vec::new();
    let recovered = loop {
        let outcome = get(&app, &token).await;
        if outcome.status == Some(200) {
            break restored.elapsed();
        }
        before_recovery.push(outcome.status);
        assert!(restored.elapsed() < Duration::from_secs(10), "no 200 within 10 s of the link's return: {outcome:?}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    for _ in 0..20 {
        assert_eq!(get(&app, &token).await.status, Some(200), "every request succeeds once it has recovered");
    }
    let (status, _) = app.create(&ada, &serde_json::json!({"title": "after"})).await;
    assert_eq!(status, 201, "writes work again too");
    eprintln!(
        "silent_link: after {:.2} s of silence, the first 200 came {:.2} s after the link returned (before it: {:?})",
        silence.as_secs_f64(),
        recovered.as_secs_f64(),
        before_recovery,
    );
}

fn assert_ended_in_time(outcome: &Outcome, waited: Duration, what: &str) {
    assert_eq!(outcome.status, Some(503), "{what}: {outcome:?}");
    assert!(outcome.retry_after.is_some(), "{what}: 503 without Retry-After: {outcome:?}");
    assert!(waited < DEADLINE, "{what} waited {waited:?} for its 503 (the deadline is {DEADLINE:?}): {outcome:?}");
}

#[derive(Debug)]
struct Outcome {
    sent: Instant,
    ended: Instant,
    /// `None`: no answer within 30 s.
    status: Option<u16>,
    retry_after: Option<String>,
}

async fn get(app: &TestApp, token: &str) -> Outcome {
    let sent = Instant::now();
    let answer = actix_web::rt::time::timeout(
        Duration::from_secs(30),
        app.client.get(format!("{}/api/tasks", app.url)).bearer_auth(token).send(),
    )
    .await;
    let ended = Instant::now();
    let response = answer.ok().map(|r| r.expect("task-service answers"));
    Outcome {
        sent,
        ended,
        status: response.as_ref().map(|r| r.status().as_u16()),
        retry_after: response
            .as_ref()
            .and_then(|r| r.headers().get("retry-after"))
            .map(|v| v.to_str().unwrap_or_default().to_owned()),
    }
}

fn spawn_get(app: &Rc<TestApp>, token: &Rc<String>) -> actix_web::rt::task::JoinHandle<Outcome> {
    let (app, token) = (app.clone(), token.clone());
    actix_web::rt::spawn(async move { get(&app, &token).await })
}

fn statuses(outcomes: &[Outcome]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for outcome in outcomes {
        *counts.entry(outcome.status.map_or("none".to_owned(), |s| s.to_string())).or_default() += 1;
    }
    counts
}

/// Waits until one query of `db` waits on a lock: the request's query has reached PostgreSQL.
async fn wait_for_lock_waiter(db: &TestDb) {
    let mut watcher = db.conn();
    let started = Instant::now();
    while diesel::sql_query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .execute(&mut watcher)
    .expect("read pg_stat_activity")
        == 0
    {
        assert!(started.elapsed() < Duration::from_secs(10), "the request's query never reached PostgreSQL");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The test database and the link to it, or `None` (after saying so) when the machine cannot
/// make the link and `TASKHUB_SKIP_NETNS=1` allows skipping; otherwise cannot-run fails the test.
fn setup_or_skip() -> Option<(TestDb, SilentLink)> {
    let refusal = match missing_prerequisite() {
        None => {
            let db = TestDb::new();
            match SilentLink::start(db.server_addr()) {
                Ok(link) => return Some((db, link)),
                Err(e) => e,
            }
        }
        Some(missing) => missing,
    };
    let skip = std::env::var("TASKHUB_SKIP_NETNS").is_ok_and(|v| v == "1");
    // Straight to the process's stderr, past the test harness's capture: a skip is loud too.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!!!!\n!!! silent_link: CANNOT RUN: {refusal}.\n!!! This test needs root, `ip` (iproute2) and \
         `socat` to make a network namespace whose link to PostgreSQL drops packets.\n!!! {}\n!!!!!!!!!!\n",
        if skip {
            "SKIPPED because TASKHUB_SKIP_NETNS=1: the silent-database requirement (issue 15) is NOT tested here."
        } else {
            "Failing. Run it as root with both installed (scripts/bootstrap.sh), or set TASKHUB_SKIP_NETNS=1 to skip."
        }
    );
    assert!(skip, "silent_link cannot run: {refusal}");
    None
}

fn missing_prerequisite() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|ids| ids.split_whitespace().nth(1));
    if euid != Some("0") {
        return Some(format!("not running as root (effective uid {})", euid.unwrap_or("unknown")));
    }
    for (tool, version) in [("ip", "-V"), ("socat", "-V")] {
        if !Command::new(tool)
            .arg(version)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            return Some(format!("`{tool}` is not installed (or does not run)"));
        }
    }
    None
}

/// The link: a namespace with its end of a veth pair and a socat, and the proxy behind it.
struct SilentLink {
    /// Where the service connects: socat, inside the namespace.
    addr: SocketAddr,
    host_ip: Ipv4Addr,
    ns: Namespace,
    _proxy: TcpProxy,
}

impl SilentLink {
    fn start(upstream: SocketAddr) -> Result<Self, String> {
        remove_stale_namespaces();
        let pid = std::process::id();
        // A 10.213.X.0/30 no interface of the host uses yet; X starts from the process id, so
        // that test processes running at once pick different ones.
        let used = ip(&["-4", "-o", "addr", "show"])?;
        let x = (0..250u32)
            .map(|n| ((pid + n) % 250 + 1) as u8)
            .find(|x| !used.contains(&format!("10.213.{x}.")))
            .ok_or("no free 10.213.X.0/30 network")?;
        let (host_ip, ns_ip) = (Ipv4Addr::new(10, 213, x, 1), Ipv4Addr::new(10, 213, x, 2));
        let (host_dev, ns_dev) = (format!("tsh{pid}"), format!("tsn{pid}"));
        ip(&["netns", "add", &format!("{NS_PREFIX}{pid}")])?;
        // From here on, dropping `ns` cleans up, whatever fails next.
        let mut ns = Namespace { name: format!("{NS_PREFIX}{pid}"), host_dev: host_dev.clone(), socat: None };
        ip(&["link", "add", &host_dev, "type", "veth", "peer", "name", &ns_dev])?;
        ip(&["link", "set", &ns_dev, "netns", &ns.name])?;
        ip(&["addr", "add", &format!("{host_ip}/30"), "dev", &host_dev])?;
        ip(&["link", "set", &host_dev, "up"])?;
        ip(&["-n", &ns.name, "addr", "add", &format!("{ns_ip}/30"), "dev", &ns_dev])?;
        ip(&["-n", &ns.name, "link", "set", &ns_dev, "up"])?;
        ip(&["-n", &ns.name, "link", "set", "lo", "up"])?;
        let proxy = TcpProxy::start_on(IpAddr::V4(host_ip), upstream);
        // `timeout`: a socat left behind by a killed test process ends by itself.
        ns.socat = Some(
            Command::new("ip")
                .args(["netns", "exec", &ns.name, "timeout", "600", "socat"])
                .arg(format!("TCP-LISTEN:5432,fork,reuseaddr,bind={ns_ip}"))
                .arg(format!("TCP:{}", proxy.addr))
                .stdin(Stdio::null())
                .spawn()
                .map_err(|e| format!("start socat: {e}"))?,
        );
        let addr = SocketAddr::new(IpAddr::V4(ns_ip), 5432);
        let started = Instant::now();
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("socat never listened on {addr} in namespace {}", ns.name));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self { addr, host_ip, ns, _proxy: proxy })
    }

    /// Drops, inside the namespace, every packet to the host: silence both ways, no error.
    fn go_silent(&self) {
        ip(&["-n", &self.ns.name, "route", "add", "blackhole", &format!("{}/32", self.host_ip)])
            .expect("blackhole the link");
    }

    fn restore(&self) {
        ip(&["-n", &self.ns.name, "route", "del", "blackhole", &format!("{}/32", self.host_ip)])
            .expect("restore the link");
    }
}

/// Dropping it (also when the test panics) ends what runs in the namespace (this test's socat
/// and the processes it forked) and deletes it, which deletes the veth pair.
struct Namespace {
    name: String,
    host_dev: String,
    socat: Option<Child>,
}

impl Drop for Namespace {
    fn drop(&mut self) {
        delete_namespace(&self.name);
        if let Some(mut socat) = self.socat.take() {
            let _ = socat.kill();
            let _ = socat.wait();
        }
        let _ = ip(&["link", "del", &self.host_dev]); // gone with the namespace, unless setup failed halfway
    }
}

/// Ends what runs in `ns` and deletes it.
fn delete_namespace(ns: &str) {
    for pid in ip(&["netns", "pids", ns]).unwrap_or_default().split_whitespace() {
        let _ = Command::new("kill").args(["-KILL", pid]).status();
    }
    let _ = ip(&["netns", "del", ns]);
}

/// Namespaces of test processes that were killed before their Drop ran.
fn remove_stale_namespaces() {
    for line in ip(&["netns", "list"]).unwrap_or_default().lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        if let Some(pid) = name.strip_prefix(NS_PREFIX)
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            delete_namespace(name);
        }
    }
}

/// Runs `ip` with `args`; its standard output, or what it said on failure.
fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("run ip: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("`ip {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}
