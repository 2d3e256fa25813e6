#!/usr/bin/env python3
"""The checks of scripts/check-kubernetes.sh, on deploy/kubernetes/ (run through that script: it
provides the pinned tools).

1. Render every kustomization under deploy/kubernetes/ with scripts/kustomize.py and, when
   KUBECTL names a kubectl, with `kubectl kustomize` too: the two must agree resource by resource.
2. Validate every rendered resource against the Kubernetes JSON schemas of the pinned versions
   (VERSIONS), strict: an unknown field fails, and so does a kind without a schema. The schemas
   come inside the PyPI package kubernetes-validate (pinned in scripts/python-tools.txt); nothing
   is downloaded.
3. Rules no schema can check (RULES below), on every rendered resource.
4. Self-test: each rule is broken on purpose in a copy of the production render and must be
   reported, so a rule that silently stopped checking fails too.

    check-kubernetes.py ROOT
"""
import copy
import ipaddress
import json
import os
import re
import subprocess
import sys

import yaml

sys.dont_write_bytecode = True   # no scripts/__pycache__ from the import below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kustomize  # noqa: E402  (scripts/kustomize.py)

# Kubernetes versions whose schemas the manifests must meet: the oldest minor still supported
# upstream when this was written (December 2026) and the newest the pinned kubernetes-validate
# ships. Change them here, on purpose.
VERSIONS = ["1.35.0", "1.37.0"]

KUSTOMIZATIONS = ["base", "base/migration", "overlays/production", "overlays/production/migration",
                  "overlays/production/migration-down"]
# (application, a migration Job run beside it): checked together
PAIRS = [("base", "base/migration"), ("overlays/production", "overlays/production/migration"),
         ("overlays/production", "overlays/production/migration-down")]
# what each one-shot or scheduled workload runs (the subcommands of migrate/src/main.rs)
COMMANDS = {("base/migration", "Job", "migrate"): ["/usr/local/bin/migrate", "up"],
            ("overlays/production/migration", "Job", "migrate"): ["/usr/local/bin/migrate", "up"],
            ("overlays/production/migration-down", "Job", "migrate"): ["/usr/local/bin/migrate", "down"],
            ("base", "CronJob", "purge"): ["/usr/local/bin/migrate", "purge"],
            ("overlays/production", "CronJob", "purge"): ["/usr/local/bin/migrate", "purge"]}

RULES = """\
  - every Deployment container: a readiness probe and a liveness probe; the liveness probe is not
    an httpGet on /health (that checks PostgreSQL: a database blip must not restart every pod);
    the Rust services' readiness probe is an httpGet on /health, auth-service's and task-service's
    liveness probe one on /health/live (a hung process still accepts TCP); probe ports exist
  - the gateway's AUTH_SERVICE_URL / TASK_SERVICE_URL name headless Services of those pods (every
    pod one replica; through a ClusterIP Service keep-alive would pin requests to a few pods)
  - every container: runAsNonRoot, a numeric non-root runAsUser, readOnlyRootFilesystem,
    allowPrivilegeEscalation false, capabilities drop ALL (none added), seccomp RuntimeDefault,
    an emptyDir on /tmp, cpu and memory requests and limits (requests <= limits), an image with a
    pinned tag (not :latest) or a digest; pods do not mount a service account token
  - environment: only variables the code reads (.env.example, plus what the web server reads);
    JWT_SECRET only in auth-service and task-service, DATABASE_URL only in them, migrate and purge
  - Deployments: RollingUpdate with maxUnavailable 0; each application Deployment has an HPA
    (minReplicas >= 2, no spec.replicas to fight it) and a PDB; Services, Ingress backends, HPA
    targets and PDB selectors point at something that exists
  - Ingress: the paths nginx/nginx.conf routes (/api, /docs, /api-docs, /health to the gateway,
    / to the web app)
  - connection budget (PgBouncer's config from its ConfigMap): replicas x DB_POOL_SIZE <=
    max_client_conn, server connections capped at 10, and in session mode
    sum((maxReplicas + maxSurge) x (DB_POOL_SIZE + 1 if REVOCATION_FEED=listen)) + 1 (jobs)
    <= default_pool_size (a poll uses a pooled connection; task-service's DB_POOL_SIZE, its read
    connection and its pool, is at least 2)
  - auth-service: HASH_CONCURRENCY set, and HASH_CONCURRENCY x 19 MiB + 22 MiB <= memory limit
  - NetworkPolicies, evaluated for every pair of pods and port: exactly these paths are open:
    ingress controller -> gateway, web; web -> gateway; gateway -> auth-service, task-service; those two,
    migrate and purge -> pgbouncer; pgbouncer -> PostgreSQL; every pod -> cluster DNS
  - Secrets: the base's are visibly fake (CHANGE-ME, stringData only), the production overlay
    renders none; every Secret production needs is named in docs/runbook.md
  - one release tag for every taskhub image of an overlay, the same in its migration overlay"""

CAP = 10                 # the spec's cap of server connections (Neon free tier)
JOBS = 1                 # migrate or purge: one connection while it runs (a second one waits)
ARGON2_MIB = 19          # argon2id m=19456 KiB per hash in flight
AUTH_BASE_MIB = 22       # services' RSS after a bench run: 12-22 MiB (bench/README.md)
RUST_APPS = {"gateway", "auth-service", "task-service"}
DB_CLIENTS = {"auth-service", "task-service"}        # long-lived pools (migrate/purge: JOBS)
WEB_ENV = {"NODE_ENV", "NEXT_TELEMETRY_DISABLED", "PORT", "HOSTNAME", "GATEWAY_URL"}
INGRESS_PATHS = {("/api", "Prefix", "gateway"), ("/docs", "Prefix", "gateway"),
                 ("/api-docs", "Prefix", "gateway"), ("/health", "Exact", "gateway"),
                 ("/", "Prefix", "web")} | {
                 (f"/api/auth/{e}", "Exact", "gateway") for e in ("register", "login", "refresh", "password")} | {
                 (f"/session/{e}", "Exact", "web") for e in ("login", "refresh")}

# NETWORK: who may reach whom (app label or pseudo pod, port). Pseudo pods stand for what is not
# in the manifests: the ingress controller, cluster DNS, PostgreSQL outside and inside the
# cluster, a stranger pod in the namespace and one in another namespace.
PSEUDO = [
    dict(app="ingress-controller", ns="ingress-nginx", labels={"app.kubernetes.io/name": "ingress-nginx"},
         ip="10.244.9.1", ports=[("TCP", 80, "http"), ("TCP", 443, "https")]),
    dict(app="kube-dns", ns="kube-system", labels={"k8s-app": "kube-dns"}, ip="10.244.9.2",
         ports=[("UDP", 53, "dns"), ("TCP", 53, "dns-tcp")]),
    dict(app="postgres-external", ns=None, labels={}, ip="203.0.113.10", ports=[("TCP", 5432, "postgres")]),
    dict(app="postgres", ns="taskhub", labels={"app.kubernetes.io/name": "postgres"}, ip="10.244.9.3",
         ports=[("TCP", 5432, "postgres")]),
    dict(app="stranger", ns="taskhub", labels={"app.kubernetes.io/name": "stranger"}, ip="10.244.9.4",
         ports=[("TCP", 8080, "http")]),
    dict(app="outsider", ns="default", labels={}, ip="10.244.9.5", ports=[("TCP", 8080, "http")]),
]
REQUIRED_FLOWS = {
    ("ingress-controller", "gateway", "TCP", 8080), ("ingress-controller", "web", "TCP", 3000),
    ("web", "gateway", "TCP", 8080),
    ("gateway", "auth-service", "TCP", 8081), ("gateway", "task-service", "TCP", 8082),
    ("auth-service", "pgbouncer", "TCP", 6432), ("task-service", "pgbouncer", "TCP", 6432),
    ("migrate", "pgbouncer", "TCP", 6432), ("purge", "pgbouncer", "TCP", 6432),
    ("pgbouncer", "postgres-external", "TCP", 5432),
}
OPTIONAL_FLOWS = {("pgbouncer", "postgres", "TCP", 5432)}   # an in-cluster PostgreSQL, if any
OURS = {"gateway", "auth-service", "task-service", "web", "pgbouncer", "migrate", "purge"}


# ---------------------------------------------------------------------------------------------
def quantity(q):
    """A Kubernetes quantity as a number (cpu in cores, memory in bytes)."""
    m = re.fullmatch(r"([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?", str(q))
    if not m:
        raise ValueError(f"bad quantity {q!r}")
    mult = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[m.group(2)]
    return float(m.group(1)) * mult


def pod_templates(res):
    """(workload kind, app name, pod template) of a Deployment, Job or CronJob."""
    kind = res.get("kind")
    if kind in ("Deployment", "Job"):
        t = res["spec"]["template"]
    elif kind == "CronJob":
        t = res["spec"]["jobTemplate"]["spec"]["template"]
    else:
        return []
    app = t.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/name", res["metadata"]["name"])
    return [(kind, app, t)]


def env_names(c):
    return [e["name"] for e in c.get("env") or []]


def env_value(c, name):
    for e in c.get("env") or []:
        if e["name"] == name:
            return e.get("value")
    return None


def code_env(root):
    """Every variable .env.example names (set or commented out): the variables the code reads."""
    names = set()
    for line in open(os.path.join(root, ".env.example"), encoding="utf-8"):
        m = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if m:
            names.add(m.group(1))
    return names


def ini(configmap):
    """PgBouncer's settings from its ConfigMap: pgbouncer.ini with %include of the other keys
    (mounted side by side in /etc/pgbouncer) resolved where they stand, in the section they stand
    in; {section: {key: value}}. A section header seen twice is an error: PgBouncer 1.18 resets
    the [pgbouncer] settings read before it (tried: an included verify-full was ignored)."""
    data = configmap.get("data") or {}
    out, headers = {}, []

    def read(key, section, depth=0):
        if depth > 5 or key not in data:
            raise ValueError(f"pgbouncer config: cannot include {key!r}")
        for raw in data[key].splitlines():
            line = raw.strip()
            if not line or line.startswith((";", "#")):
                continue
            if line.startswith("%include"):
                read(os.path.basename(line.split(None, 1)[1]), section, depth + 1)
                continue
            m = re.fullmatch(r"\[(\w+)\]", line)
            if m:
                if m.group(1) in headers:
                    raise ValueError(f"pgbouncer config: [{m.group(1)}] appears twice (in {key}): PgBouncer would reset what came before")
                headers.append(m.group(1))
                section = m.group(1)
                continue
            if section is None:
                raise ValueError(f"pgbouncer config: {key}: {line!r} outside any section")
            k, _, v = line.partition("=")
            out.setdefault(section, {})[k.strip()] = v.strip()

    read("pgbouncer.ini", None)
    return out


def pgbouncer_loads(name, configmap, pgbouncer):
    """Starts the real PgBouncer on this ConfigMap (on 127.0.0.1, a free port, with a dummy
    userlist and no server behind it) and returns its complaint, or None once it listens."""
    import socket
    import tempfile
    import time
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        for key, text in (configmap.get("data") or {}).items():
            text = text.replace("/etc/pgbouncer/", d + "/")
            if key == "pgbouncer.ini":
                text = re.sub(r"(?m)^listen_addr = .*$", "listen_addr = 127.0.0.1", text)
                text = re.sub(r"(?m)^listen_port = .*$", f"listen_port = {port}", text)
            with open(os.path.join(d, key), "w", encoding="utf-8") as f:
                f.write(text)
        with open(os.path.join(d, "userlist.txt"), "w", encoding="utf-8") as f:
            f.write('"taskhub" "check-kubernetes-dummy"\n')
        for f in os.listdir(d):
            os.chmod(os.path.join(d, f), 0o644)
        cmd = [pgbouncer, os.path.join(d, "pgbouncer.ini")]
        if os.geteuid() == 0:   # PgBouncer refuses to run as root
            cmd = ["runuser", "-u", "nobody", "--"] + cmd
        log = open(os.path.join(d, "log"), "w+", encoding="utf-8")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and proc.poll() is None:
                log.seek(0)
                if f"listening on 127.0.0.1:{port}" in log.read():
                    break
                time.sleep(0.1)
            log.seek(0)
            text = log.read()
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        problems = [l for l in text.splitlines() if re.search(r"\b(ERROR|FATAL|WARNING)\b", l)]
        if problems or f"listening on 127.0.0.1:{port}" not in text:
            return f"{name}: PgBouncer does not load its config: {problems or text.strip().splitlines()[-3:]}"
        return None


# ---------------------------------------------------------------------------------------------
def check_render(name, docs, root, env_ok, runbook, migration_docs=(), say=print):
    """Every rule on one rendered kustomization (plus its migration Job's render). Problems."""
    bad = []
    by_kind = {}
    for r in list(docs) + list(migration_docs):
        by_kind.setdefault(r["kind"], []).append(r)
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind.get("HorizontalPodAutoscaler", [])}
    production = "production" in name

    workloads = []
    for r in list(docs) + list(migration_docs):
        for kind, app, t in pod_templates(r):
            workloads.append((r, kind, app, t))

    tags = {}
    for r, kind, app, t in workloads:
        where = f"{name}: {kind} {r['metadata']['name']}"
        spec = t["spec"]
        psc = spec.get("securityContext") or {}
        if spec.get("automountServiceAccountToken") is not False:
            bad.append(f"{where}: automountServiceAccountToken must be false (no pod talks to the API server)")
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            cw = f"{where} container {c['name']}"
            sc = c.get("securityContext") or {}
            eff = lambda k: sc.get(k, psc.get(k))  # noqa: E731
            if eff("runAsNonRoot") is not True:
                bad.append(f"{cw}: runAsNonRoot must be true")
            uid = eff("runAsUser")
            if not isinstance(uid, int) or isinstance(uid, bool) or uid == 0:
                bad.append(f"{cw}: runAsUser must be a numeric non-root uid, is {uid!r}")
            if sc.get("readOnlyRootFilesystem") is not True:
                bad.append(f"{cw}: readOnlyRootFilesystem must be true")
            if sc.get("allowPrivilegeEscalation") is not False:
                bad.append(f"{cw}: allowPrivilegeEscalation must be false")
            caps = sc.get("capabilities") or {}
            if "ALL" not in (caps.get("drop") or []) or caps.get("add"):
                bad.append(f"{cw}: capabilities must drop ALL and add none")
            if (eff("seccompProfile") or {}).get("type") != "RuntimeDefault":
                bad.append(f"{cw}: seccompProfile must be RuntimeDefault")
            if sc.get("privileged"):
                bad.append(f"{cw}: privileged")
            mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
            tmp = mounts.get("/tmp")
            if not tmp or "emptyDir" not in volumes.get(tmp["name"], {}):
                bad.append(f"{cw}: /tmp must be an emptyDir (the root filesystem is read-only)")
            res = c.get("resources") or {}
            for part in ("requests", "limits"):
                for k in ("cpu", "memory"):
                    if k not in (res.get(part) or {}):
                        bad.append(f"{cw}: resources.{part}.{k} is not set")
            for k in ("cpu", "memory"):
                try:
                    if quantity(res["requests"][k]) > quantity(res["limits"][k]):
                        bad.append(f"{cw}: {k} request above its limit")
                except (KeyError, TypeError, ValueError):
                    pass
            image = c.get("image", "")
            iname, tag, digest = kustomize.split_image(image)
            if not digest and (not tag or tag == "latest"):
                bad.append(f"{cw}: image {image!r} has no pinned tag")
            if iname.rsplit("/", 1)[-1] in {"gateway", "auth-service", "task-service", "migrate", "web", "pgbouncer"}:
                tags.setdefault(tag or digest, []).append(f"{kind} {r['metadata']['name']}")
            # environment
            names = env_names(c)
            allowed = WEB_ENV if app == "web" else (set() if app == "pgbouncer" else env_ok)
            for n in names:
                if n not in allowed:
                    bad.append(f"{cw}: env {n} is not read by {app} (.env.example lists what the code reads)")
            if len(names) != len(set(names)):
                bad.append(f"{cw}: an env variable is set twice")
            if "JWT_SECRET" in names and app not in ("auth-service", "task-service"):
                bad.append(f"{cw}: JWT_SECRET reaches {app} (only auth-service and task-service sign or verify)")
            if "DATABASE_URL" in names and app not in ("auth-service", "task-service", "migrate", "purge"):
                bad.append(f"{cw}: DATABASE_URL reaches {app}")
            # probes (long-running pods only)
            if kind != "Deployment":
                continue
            ports = {p.get("name"): p["containerPort"] for p in c.get("ports") or []}
            live, ready = c.get("livenessProbe"), c.get("readinessProbe")
            if not live:
                bad.append(f"{cw}: no livenessProbe")
            elif (live.get("httpGet") or {}).get("path", "").rstrip("/") == "/health":
                bad.append(f"{cw}: livenessProbe is an httpGet on /health, which checks PostgreSQL: a database blip would restart every pod (use /health/live)")
            elif app in ("auth-service", "task-service") and (live.get("httpGet") or {}).get("path") != "/health/live":
                bad.append(f"{cw}: livenessProbe must be an httpGet on /health/live (a hung process still accepts TCP connections)")
            if not ready:
                bad.append(f"{cw}: no readinessProbe")
            elif app in RUST_APPS and (ready.get("httpGet") or {}).get("path") != "/health":
                bad.append(f"{cw}: readinessProbe must be an httpGet on /health")
            for probe in (live, ready):
                for how in ("httpGet", "tcpSocket"):
                    port = ((probe or {}).get(how) or {}).get("port")
                    if port is not None and port not in ports and port not in ports.values():
                        bad.append(f"{cw}: probe port {port!r} is not a container port")
            if app in RUST_APPS and spec.get("terminationGracePeriodSeconds", 30) < 35:
                bad.append(f"{where}: terminationGracePeriodSeconds < 35 (the services drain for up to 30 s after SIGTERM)")

    if len(tags) > 1:
        bad.append(f"{name}: taskhub images carry different tags (one release, one tag): {tags}")

    # Deployments, HPAs, PDBs, Services, Ingress
    pod_labels = {n: d["spec"]["template"]["metadata"]["labels"] for n, d in deployments.items()}
    pdbs = by_kind.get("PodDisruptionBudget", [])
    for n, d in deployments.items():
        st = d["spec"].get("strategy") or {}
        mu = (st.get("rollingUpdate") or {}).get("maxUnavailable", "25%")
        if st.get("type", "RollingUpdate") != "RollingUpdate" or mu not in (0, "0", "0%"):
            bad.append(f"{name}: Deployment {n}: rolling update must have maxUnavailable 0, has {st}")
        if n == "pgbouncer":
            continue  # one replica on purpose (its pool is per replica): no HPA, no PDB
        h = hpas.get(n)
        if not h:
            bad.append(f"{name}: Deployment {n} has no HorizontalPodAutoscaler")
        else:
            if h["spec"].get("minReplicas", 1) < 2:
                bad.append(f"{name}: HPA {n}: minReplicas < 2 (one pod is no rolling update and no PDB)")
            if "replicas" in d["spec"]:
                bad.append(f"{name}: Deployment {n} sets replicas although its HPA owns them")
        if not any(all(pod_labels[n].get(k) == v for k, v in p["spec"]["selector"].get("matchLabels", {}).items())
                   for p in pdbs):
            bad.append(f"{name}: Deployment {n} has no PodDisruptionBudget")
    for t, h in hpas.items():
        if t not in deployments:
            bad.append(f"{name}: HPA {h['metadata']['name']} targets a missing Deployment {t}")
    services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
    for sn, s in services.items():
        sel = s["spec"].get("selector") or {}
        hit = [n for n, labels in pod_labels.items() if all(labels.get(k) == v for k, v in sel.items())]
        if not sel or not hit:
            bad.append(f"{name}: Service {sn} selects no Deployment's pods")
            continue
        cports = {p.get("name"): p["containerPort"] for c in deployments[hit[0]]["spec"]["template"]["spec"]["containers"]
                  for p in c.get("ports") or []}
        for p in s["spec"]["ports"]:
            tp = p.get("targetPort", p["port"])
            if tp not in cports and tp not in cports.values():
                bad.append(f"{name}: Service {sn} port {p['port']}: targetPort {tp!r} is no container port of {hit[0]}")
    # the gateway's upstreams: headless Services, so that every pod is one of its replicas
    for c in (deployments.get("gateway") or {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
        for e in c.get("env") or []:
            if e["name"] in ("AUTH_SERVICE_URL", "TASK_SERVICE_URL"):
                for url in str(e.get("value", "")).split(","):
                    host = url.strip().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
                    s = services.get(host)
                    app = "auth-service" if e["name"] == "AUTH_SERVICE_URL" else "task-service"
                    if not s or s["spec"].get("clusterIP") != "None" or (s["spec"].get("selector") or {}).get("app.kubernetes.io/name") != app:
                        bad.append(f"{name}: gateway {e['name']} {url.strip()}: not a headless Service (clusterIP: None) of {app}'s pods: the gateway would see one replica")
    routes = set()
    for ing in by_kind.get("Ingress", []):
        for rule in ing["spec"].get("rules", []):
            for p in rule.get("http", {}).get("paths", []):
                svc = p["backend"]["service"]
                routes.add((p["path"], p["pathType"], svc["name"]))
                s = services.get(svc["name"])
                port = svc.get("port", {})
                if not s:
                    bad.append(f"{name}: Ingress {ing['metadata']['name']}: backend {svc['name']} is no Service")
                elif not any(port.get("name") == sp.get("name") if "name" in port else port.get("number") == sp["port"]
                             for sp in s["spec"]["ports"]):
                    bad.append(f"{name}: Ingress {ing['metadata']['name']}: Service {svc['name']} has no port {port}")
    if by_kind.get("Ingress") and routes != INGRESS_PATHS:
        bad.append(f"{name}: Ingress paths differ from nginx.conf's routing: missing {sorted(INGRESS_PATHS - routes)}, extra {sorted(routes - INGRESS_PATHS)}")

    # connection budget
    cms = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    if "pgbouncer" in deployments:
        try:
            conf = ini(cms["pgbouncer-config"])
        except (KeyError, ValueError) as e:
            bad.append(f"{name}: PgBouncer config unreadable: {e}")
            conf = None
        if conf:
            pb = conf.get("pgbouncer", {})
            mode = pb.get("pool_mode", "session")
            num = lambda k, d: int(pb.get(k, d))  # noqa: E731
            pool, max_client = num("default_pool_size", 20), num("max_client_conn", 100)
            db_cap, user_cap = num("max_db_connections", 0) or 10**9, num("max_user_connections", 0) or 10**9
            bouncers = deployments["pgbouncer"]["spec"].get("replicas", 1)
            server = bouncers * min(pool, db_cap, user_cap)
            if server > CAP:
                bad.append(f"{name}: PgBouncer may open {bouncers} x min(default_pool_size {pool}, max_db_connections, max_user_connections) = {server} server connections > the cap of {CAP}")
            if pool != CAP:
                bad.append(f"{name}: default_pool_size is {pool}, the budget is written for {CAP}")
            clients, terms = JOBS, []
            for app in sorted(DB_CLIENTS):
                d = deployments.get(app)
                if not d:
                    bad.append(f"{name}: no Deployment {app}")
                    continue
                c = d["spec"]["template"]["spec"]["containers"][0]
                size = int(env_value(c, "DB_POOL_SIZE") or 4)
                maxr = hpas[app]["spec"]["maxReplicas"] if app in hpas else d["spec"].get("replicas", 1)
                surge = (d["spec"].get("strategy", {}).get("rollingUpdate") or {}).get("maxSurge", 1)
                if not isinstance(surge, int):
                    bad.append(f"{name}: Deployment {app}: maxSurge must be a number of pods for the budget, is {surge!r}")
                    surge = 1
                # The revocation feed: `listen` holds a connection of its own per replica.
                feed = env_value(c, "REVOCATION_FEED") or "listen"
                if feed not in ("listen", "poll"):
                    bad.append(f"{name}: Deployment {app}: REVOCATION_FEED {feed!r}")
                if app == "task-service" and size < 2:
                    bad.append(f"{name}: Deployment {app}: DB_POOL_SIZE {size} < 2 (its read connection and a pool of at least one)")
                per_pod = size + (1 if feed == "listen" else 0)
                clients += (maxr + surge) * per_pod
                terms.append(f"({maxr} + {surge}) x {size}{' + 1 listening' if feed == 'listen' else ''} {app}")
            formula = " + ".join(terms) + f" + {JOBS} migrate/purge = {clients}"
            if clients > max_client:
                bad.append(f"{name}: replicas x DB_POOL_SIZE exceeds max_client_conn {max_client}: {formula}")
            if mode == "session" and clients > min(pool, db_cap, user_cap):
                bad.append(f"{name}: session pooling holds one server connection per client: {formula} > default_pool_size {pool}")
            elif mode not in ("session", "transaction"):
                bad.append(f"{name}: pool_mode {mode!r}")
            if not bad:
                say(f"  ok: connection budget of {name}: {formula} <= {min(pool, db_cap, user_cap) if mode == 'session' else max_client} ({mode} pooling)")

    # argon2 memory
    auth = deployments.get("auth-service")
    if auth:
        c = auth["spec"]["template"]["spec"]["containers"][0]
        hc = env_value(c, "HASH_CONCURRENCY")
        if not (hc or "").isdigit():
            bad.append(f"{name}: auth-service must set HASH_CONCURRENCY (its default, the host's cores, ignores the pod's limit)")
        else:
            need = int(hc) * ARGON2_MIB + AUTH_BASE_MIB
            limit = quantity((c.get("resources", {}).get("limits") or {}).get("memory", "0")) / 2**20
            if need > limit:
                bad.append(f"{name}: auth-service: HASH_CONCURRENCY {hc} x {ARGON2_MIB} MiB + {AUTH_BASE_MIB} MiB = {need} MiB > memory limit {limit:.0f} MiB")

    # Secrets
    for s in by_kind.get("Secret", []):
        sn = s["metadata"]["name"]
        if production:
            bad.append(f"{name}: renders Secret {sn}: production Secrets are created out of band, never from the repository")
        if s.get("data"):
            bad.append(f"{name}: Secret {sn} uses data: (base64); placeholders go in stringData, visibly fake")
        for k, v in (s.get("stringData") or {}).items():
            if v and "CHANGE-ME" not in v:
                bad.append(f"{name}: Secret {sn} key {k} is not marked CHANGE-ME: never commit a real secret")
    needed = set()
    for r, kind, app, t in workloads:
        for c in t["spec"]["containers"]:
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    needed.add(ref["name"])
        for v in t["spec"].get("volumes") or []:
            for src in (v.get("projected") or {}).get("sources", []):
                if "secret" in src:
                    needed.add(src["secret"]["name"])
            if "secret" in v:
                needed.add(v["secret"]["secretName"])
    for ing in by_kind.get("Ingress", []):
        for tls in ing["spec"].get("tls") or []:
            needed.add(tls["secretName"])
    have = {s["metadata"]["name"] for s in by_kind.get("Secret", [])}
    for sn in sorted(needed - have):
        if not production:
            bad.append(f"{name}: Secret {sn} is used but not defined (the base defines placeholders)")
        elif sn not in runbook:
            bad.append(f"{name}: Secret {sn} must exist before a deploy but docs/runbook.md does not say how to create it")

    bad.extend(check_network(name, docs, migration_docs, workloads))
    return bad


# ---------------------------------------------------------------------------------------------
def check_network(name, docs, migration_docs, workloads):
    """Evaluates the NetworkPolicies for every pair of pods and port; problems."""
    policies = [r for r in list(docs) + list(migration_docs) if r["kind"] == "NetworkPolicy"]
    if not policies:
        return [f"{name}: no NetworkPolicies"]
    # a pod added later without a policy of its own must be shut off too, not only today's pods
    if not any(p["spec"].get("podSelector") in ({}, None) and set(p["spec"].get("policyTypes") or []) == {"Ingress", "Egress"}
               and not p["spec"].get("ingress") and not p["spec"].get("egress") for p in policies):
        early = [f"{name}: no default-deny NetworkPolicy (podSelector {{}}, policyTypes Ingress and Egress, no rules)"]
    else:
        early = []
    ns_of = lambda r: r["metadata"].get("namespace", "default")  # noqa: E731
    pods = []
    for i, (r, kind, app, t) in enumerate(workloads):
        ports = [(p.get("protocol", "TCP"), p["containerPort"], p.get("name"))
                 for c in t["spec"]["containers"] for p in c.get("ports") or []]
        pods.append(dict(app=app, ns=ns_of(r), labels=t["metadata"].get("labels", {}), ip=f"10.244.0.{i + 10}", ports=ports))
    namespace = pods[0]["ns"] if pods else "taskhub"
    pseudo = [dict(p, ns=namespace) if p["ns"] == "taskhub" else p for p in PSEUDO]
    every = pods + pseudo
    bad = early

    def selects(sel, labels):
        if set(sel) - {"matchLabels"}:
            raise ValueError(f"selector {sel}: only matchLabels is evaluated here")
        return all(labels.get(k) == v for k, v in (sel.get("matchLabels") or {}).items())

    def peer_matches(peer, policy_ns, pod):
        if "ipBlock" in peer:
            ip = ipaddress.ip_address(pod["ip"])
            block = peer["ipBlock"]
            return ip in ipaddress.ip_network(block["cidr"]) and not any(
                ip in ipaddress.ip_network(x) for x in block.get("except") or [])
        if pod["ns"] is None:   # outside the cluster: only an ipBlock matches it
            return False
        if "namespaceSelector" in peer:
            if not selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": pod["ns"]}):
                return False
        elif pod["ns"] != policy_ns:
            return False
        return selects(peer.get("podSelector") or {}, pod["labels"])

    def port_matches(rule_ports, dst, proto, port):
        if not rule_ports:
            return True
        for rp in rule_ports:
            if rp.get("protocol", "TCP") != proto:
                continue
            p = rp.get("port")
            if p is None:
                return True
            if isinstance(p, str):
                p = next((num for pr, num, pn in dst["ports"] if pn == p and pr == proto), None)
                if p is None:
                    continue
            if p <= port <= rp.get("endPort", p):
                return True
        return False

    def types(pol):
        t = pol["spec"].get("policyTypes")
        return t or (["Ingress"] + (["Egress"] if "egress" in pol["spec"] else []))

    def allowed_side(pod, other, proto, port, direction, target):
        field, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        selecting = [p for p in policies if ns_of(p) == pod["ns"] and direction in types(p)
                     and selects(p["spec"].get("podSelector") or {}, pod["labels"])]
        if not selecting:
            return True
        for pol in selecting:
            for rule in pol["spec"].get(field) or []:
                peers = rule.get(peers_key)
                if (not peers or any(peer_matches(pe, ns_of(pol), other) for pe in peers)) and \
                        port_matches(rule.get("ports"), target, proto, port):
                    return True
        return False

    try:
        flows = set()
        for src in every:
            for dst in every:
                if src is dst or (src["app"] not in OURS and dst["app"] not in OURS):
                    continue
                for proto, port, _ in dst["ports"]:
                    if allowed_side(src, dst, proto, port, "Egress", dst) and allowed_side(dst, src, proto, port, "Ingress", dst):
                        flows.add((src["app"], dst["app"], proto, port))
    except ValueError as e:
        return [f"{name}: NetworkPolicy: {e}"]
    dns = {(a, "kube-dns", proto, 53) for a in {p["app"] for p in pods} for proto in ("UDP", "TCP")}
    required = {f for f in REQUIRED_FLOWS if f[0] in {p["app"] for p in every} and f[1] in {p["app"] for p in every}} | dns
    optional = OPTIONAL_FLOWS | {(p["app"], "kube-dns", proto, 53) for p in pseudo for proto in ("UDP", "TCP")}
    for f in sorted(required - flows):
        bad.append(f"{name}: NetworkPolicies block {f[0]} -> {f[1]} {f[2]}/{f[3]}, which must be open")
    for f in sorted(flows - required - optional):
        bad.append(f"{name}: NetworkPolicies let {f[0]} -> {f[1]} {f[2]}/{f[3]} through, which must be closed")
    return bad


# ---------------------------------------------------------------------------------------------
def schema_problems(name, docs, validator):
    import kubernetes_validate.utils as kv
    bad = []
    for d in docs:
        what = f"{name}: {d.get('kind')} {d.get('metadata', {}).get('name')}"
        for v in VERSIONS:
            try:
                validator(d, v, strict=True)
            except kv.ValidationError as e:
                bad.append(f"{what}: Kubernetes {v} schema: {'.'.join(map(str, e.path))}: {e.message}")
            except kv.SchemaNotFoundError as e:
                bad.append(f"{what}: {e.message}")
    return bad


def kubectl_render(kubectl, directory):
    out = subprocess.run([kubectl, "kustomize", directory], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def canon(docs):
    return {(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]): json.dumps(d, sort_keys=True) for d in docs}


# ---------------------------------------------------------------------------------------------
def self_test(renders, root, env_ok, runbook, validator):
    """Breaks each rule in a copy of the production render; each break must be reported."""
    app, mig = renders["overlays/production"], renders["overlays/production/migration"]

    def find(docs, kind, n):
        return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == n)

    def container(docs, n):
        return find(docs, "Deployment", n)["spec"]["template"]["spec"]["containers"][0]

    def env_set(c, k, v):
        for e in c["env"]:
            if e["name"] == k:
                e["value"] = v
                return
        c["env"].append({"name": k, "value": v})

    breaks = [
        ("liveness on /health", "livenessProbe is an httpGet on /health",
         lambda a, m: container(a, "task-service").update(livenessProbe={"httpGet": {"path": "/health", "port": "http"}})),
        ("no liveness", "no livenessProbe", lambda a, m: container(a, "web").pop("livenessProbe")),
        ("liveness by TCP", "livenessProbe must be an httpGet on /health/live",
         lambda a, m: container(a, "auth-service").update(livenessProbe={"tcpSocket": {"port": "http"}})),
        ("gateway on the ClusterIP Service", "not a headless Service",
         lambda a, m: env_set(container(a, "gateway"), "TASK_SERVICE_URL", "http://task-service:8082")),
        ("readiness elsewhere", "readinessProbe must be an httpGet on /health",
         lambda a, m: container(a, "gateway").update(readinessProbe={"tcpSocket": {"port": "http"}})),
        ("writable root", "readOnlyRootFilesystem", lambda a, m: container(a, "auth-service")["securityContext"].update(readOnlyRootFilesystem=False)),
        ("root user", "runAsNonRoot", lambda a, m: (container(a, "gateway")["securityContext"].pop("runAsNonRoot"),
                                                   find(a, "Deployment", "gateway")["spec"]["template"]["spec"]["securityContext"].pop("runAsNonRoot"))),
        ("capability kept", "drop ALL", lambda a, m: container(a, "web")["securityContext"]["capabilities"].update(drop=["NET_RAW"])),
        ("no limits", "resources.limits.memory", lambda a, m: container(a, "pgbouncer")["resources"]["limits"].pop("memory")),
        ("maxUnavailable 1", "maxUnavailable 0", lambda a, m: find(a, "Deployment", "gateway")["spec"]["strategy"]["rollingUpdate"].update(maxUnavailable=1)),
        ("latest tag", "no pinned tag", lambda a, m: container(a, "web").update(image="registry.example.com/taskhub/web:latest")),
        ("migration on another release", "different tags",
         lambda a, m: m[0]["spec"]["template"]["spec"]["containers"][0].update(image="registry.example.com/taskhub/migrate:0.1.0")),
        ("unknown env", "is not read by", lambda a, m: env_set(container(a, "task-service"), "DB_POOLSIZE", "1")),
        ("JWT_SECRET at the gateway", "JWT_SECRET reaches gateway",
         lambda a, m: container(a, "gateway")["env"].append({"name": "JWT_SECRET", "valueFrom": {"secretKeyRef": {"name": "taskhub-jwt", "key": "JWT_SECRET"}}})),
        ("budget: more replicas", "session pooling holds",
         lambda a, m: find(a, "HorizontalPodAutoscaler", "task-service")["spec"].update(maxReplicas=8)),
        ("budget: bigger pools", "session pooling holds", lambda a, m: env_set(container(a, "auth-service"), "DB_POOL_SIZE", "5")),
        ("task-service without a pool", "DB_POOL_SIZE 1 < 2", lambda a, m: env_set(container(a, "task-service"), "DB_POOL_SIZE", "1")),
        ("budget: a listening feed", "session pooling holds",
         lambda a, m: env_set(container(a, "task-service"), "REVOCATION_FEED", "listen")),
        ("two poolers", "server connections > the cap", lambda a, m: find(a, "Deployment", "pgbouncer")["spec"].update(replicas=2)),
        ("hashing past the memory limit", "memory limit", lambda a, m: env_set(container(a, "auth-service"), "HASH_CONCURRENCY", "8")),
        ("no PDB", "no PodDisruptionBudget", lambda a, m: a.remove(find(a, "PodDisruptionBudget", "web"))),
        ("no HPA", "no HorizontalPodAutoscaler", lambda a, m: a.remove(find(a, "HorizontalPodAutoscaler", "gateway"))),
        ("a Secret in production", "renders Secret",
         lambda a, m: a.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "taskhub-jwt", "namespace": "taskhub"}, "stringData": {"JWT_SECRET": "x"}})),
        ("pooler open to all", "outsider -> pgbouncer",
         lambda a, m: find(a, "NetworkPolicy", "pgbouncer")["spec"]["ingress"][0].pop("from")),
        ("gateway to the pooler", "gateway -> pgbouncer",
         lambda a, m: find(a, "NetworkPolicy", "pgbouncer")["spec"]["ingress"][0]["from"].append({"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}})
         or find(a, "NetworkPolicy", "gateway")["spec"]["egress"].append({"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "pgbouncer"}}}]})),
        ("no default deny", "must be closed", lambda a, m: a.remove(find(a, "NetworkPolicy", "default-deny")) or a.remove(find(a, "NetworkPolicy", "web"))),
        ("default deny for egress only", "no default-deny",
         lambda a, m: find(a, "NetworkPolicy", "default-deny")["spec"].update(policyTypes=["Egress"])),
        ("DNS blocked", "kube-dns", lambda a, m: a.remove(find(a, "NetworkPolicy", "allow-dns"))),
        ("ingress route lost", "Ingress paths differ", lambda a, m: find(a, "Ingress", "taskhub")["spec"]["rules"][0]["http"]["paths"].pop(3)),
        ("Service to nowhere", "selects no Deployment", lambda a, m: find(a, "Service", "web")["spec"]["selector"].update({"app.kubernetes.io/name": "webb"})),
    ]
    failures = []
    for label, expect, mutate in breaks:
        a, m = copy.deepcopy(app), copy.deepcopy(mig)
        mutate(a, m)
        got = check_render("self-test of overlays/production", a, root, env_ok, runbook, m, say=lambda *_: None)
        if not any(expect in g for g in got):
            failures.append(f"self-test: breaking '{label}' was not reported as '{expect}' (got: {got[:3]})")
    # the schema, strict: an unknown or misspelt field
    a = copy.deepcopy(app)
    container(a, "task-service")["livenessprobe"] = {"tcpSocket": {"port": "http"}}
    if not any("livenessprobe" in p or "Additional properties" in p for p in schema_problems("self-test", a, validator)):
        failures.append("self-test: a misspelt field (livenessprobe) passed the strict schema")
    a = copy.deepcopy(app)
    find(a, "Deployment", "gateway")["spec"]["replicas"] = "two"
    if not schema_problems("self-test", a, validator):
        failures.append("self-test: replicas: 'two' passed the schema")
    return failures, len(breaks) + 2


def main(argv):
    root = os.path.abspath(argv[1])
    base = os.path.join(root, "deploy", "kubernetes")
    kubectl = os.environ.get("KUBECTL") or ""
    import kubernetes_validate.utils as kv
    from importlib.metadata import version
    print(f"-- schemas: kubernetes-validate {version('kubernetes-validate')}, Kubernetes {', '.join(VERSIONS)}, strict")
    problems = []

    found = sorted(os.path.relpath(dp, base) for dp, _, files in os.walk(base) if "kustomization.yaml" in files)
    for extra in sorted(set(found) - set(KUSTOMIZATIONS)):
        problems.append(f"deploy/kubernetes/{extra}: a kustomization this check does not render: add it to KUSTOMIZATIONS")
    listed = set()
    for k in KUSTOMIZATIONS:
        kdir = os.path.join(base, k)
        kfile = yaml.safe_load(open(os.path.join(kdir, "kustomization.yaml"), encoding="utf-8"))
        listed |= {os.path.normpath(os.path.join(kdir, r)) for r in kfile.get("resources") or []}
        listed |= {os.path.normpath(os.path.join(kdir, p["path"])) for p in kfile.get("patches") or [] if "path" in p}
    for dp, _, files in os.walk(base):
        for f in files:
            p = os.path.join(dp, f)
            if f.endswith((".yaml", ".yml")) and f != "kustomization.yaml" and p not in listed:
                problems.append(f"{os.path.relpath(p, root)}: not part of any kustomization (never deployed, never checked)")

    print("-- [1] render" + (f" (scripts/kustomize.py, compared with {kubectl} kustomize)" if kubectl else " (scripts/kustomize.py; no kubectl here to compare with)"))
    renders = {}
    for k in KUSTOMIZATIONS:
        d = os.path.join(base, k)
        try:
            renders[k] = kustomize.render(d)
        except kustomize.Unsupported as e:
            problems.append(f"{k}: scripts/kustomize.py: {e}")
            continue
        if kubectl:
            try:
                real = canon(kubectl_render(kubectl, d))
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                problems.append(f"{k}: kubectl kustomize failed: {e}")
                continue
            mine = canon(renders[k])
            diff = sorted(set(real) ^ set(mine)) + sorted(x for x in real if x in mine and real[x] != mine[x])
            if diff:
                problems.append(f"{k}: scripts/kustomize.py and kubectl kustomize render differently: {diff}")
            else:
                print(f"  ok: {k}: {len(mine)} resources, the same from scripts/kustomize.py and kubectl kustomize")
        else:
            print(f"  ok: {k}: {len(renders[k])} resources (scripts/kustomize.py)")
    if problems:
        return report(problems)

    print("-- [2] schemas")
    n = 0
    for k, docs in renders.items():
        problems += schema_problems(k, docs, kv.validate)
        n += len(docs)
    report(problems)
    if not problems:
        print(f"  ok: {n} rendered resources valid against Kubernetes {' and '.join(VERSIONS)} (strict)")

    print("-- [3] rules")
    env_ok = code_env(root)
    runbook = open(os.path.join(root, "docs", "runbook.md"), encoding="utf-8").read()
    before = len(problems)
    for app, mig in PAIRS:
        problems += check_render(app, renders[app], root, env_ok, runbook, renders[mig],
                                 say=print if mig.endswith("/migration") else (lambda *_: None))
        problems += check_kustomization_images(base, app, mig)
    for (k, kind, n), want in COMMANDS.items():
        got = [c.get("command") for r in renders[k] if r["kind"] == kind and r["metadata"]["name"] == n
               for _, _, t in pod_templates(r) for c in t["spec"]["containers"]]
        if got != [want]:
            problems.append(f"{k}: {kind} {n} runs {got}, expected {want}")
    problems[before:] = list(dict.fromkeys(problems[before:]))   # production is checked in two pairs
    report(problems)
    if len(problems) == before:
        print("  ok: every rule holds on " + ", ".join(dict.fromkeys(a for a, _ in PAIRS)) + " (with their migration Jobs):")
        print(RULES)

    pgbouncer = os.environ.get("PGBOUNCER") or ""
    if pgbouncer:
        for k in ("base", "overlays/production"):
            cm = next(r for r in renders[k] if r["kind"] == "ConfigMap" and r["metadata"]["name"] == "pgbouncer-config")
            p = pgbouncer_loads(k, cm, pgbouncer)
            problems += [p] if p else []
            if not p:
                print(f"  ok: {k}: {pgbouncer} loads pgbouncer-config and listens")
        report(problems)
    else:
        print("  skipped: PgBouncer loading its config (pgbouncer not installed: apt-get install pgbouncer)")

    print("-- [4] self-test: each rule broken on purpose must be reported")
    if not problems:
        failures, count = self_test(renders, root, env_ok, runbook, kv.validate)
        problems += failures
        if not failures:
            print(f"  ok: all {count} deliberate breaks reported")
    return report(problems)


def check_kustomization_images(base, app, mig):
    def load(k):
        kfile = yaml.safe_load(open(os.path.join(base, k, "kustomization.yaml"), encoding="utf-8"))
        res = kfile.get("resources") or []
        if "images" not in kfile and len(res) == 1 and os.path.isdir(os.path.join(base, k, res[0])):
            return load(os.path.normpath(os.path.join(k, res[0])))   # an overlay of one overlay
        return kfile.get("images")
    if load(app) != load(mig):
        return [f"{app}: its images differ from {mig}'s: the migration must run the release it migrates for"]
    return []


_shown = [0]


def report(problems):
    """Prints the problems not printed yet; 1 if there are any at all."""
    for p in problems[_shown[0]:]:
        print(f"  FAIL: {p}")
    _shown[0] = len(problems)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
