# taskhub: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help run tools bootstrap test test-rust lint fmt fmt-check clippy build stack-tests web-checks config-checks \
        deny docs-check migrate migrate-down purge schema schema-check openapi bench coverage clean compose-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## Build and start everything locally (database, .env, services, web app) and print the URLs
	@bash scripts/run.sh

tools: ## Install what make test needs, pinned (cargo tools, .tools/ venv and npm packages; Debian packages and PostgreSQL trust auth when root)
	@bash scripts/bootstrap.sh

bootstrap: tools ## Same as make tools

test: tools fmt-check clippy deny test-rust schema-check docs-check web-checks config-checks stack-tests ## Everything CI checks (installs its tools first)
	@echo "make test: all checks passed"

fmt: ## Format the Rust code
	$(CARGO) fmt --all

fmt-check: ## Fail on unformatted Rust code
	$(CARGO) fmt --all -- --check

clippy: ## Lint with clippy, warnings are errors
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

build: ## Build the debug binaries (auth-service, task-service, gateway, migrate)
	$(CARGO) build --bins

test-rust: ## Unit and integration tests against PostgreSQL (a fresh database per test), with the coverage gate
	bash scripts/coverage.sh

coverage: ## Line coverage per crate; fails under COVERAGE_MIN (80) % of business logic
	bash scripts/coverage.sh

deny: ## Supply chain: advisories (ADVISORY_DB_SNAPSHOT=folder, else the live RustSec database), licenses, bans, sources
	bash scripts/deny.sh

docs-check: ## docs/schema.md matches the migrations; targets, paths and binaries named in docs/ exist
	bash scripts/check-docs.sh

web-checks: ## Web app: types, lint, and drift of its API types from docs/openapi.json
	cd web && npm run typecheck && npm run lint && npm run check:api-types

config-checks: ## docker-compose, nginx, Dockerfiles, Prometheus alerts, Postman collections, CI workflow (no container engine needed)
	bash scripts/check-compose.sh
	bash scripts/check-nginx.sh
	bash scripts/check-dockerfile.sh
	bash scripts/check-alerts.sh
	bash scripts/check-postman.sh
	bash scripts/check-workflows.sh
	bash scripts/check-kubernetes.sh

stack-tests: build ## Black-box tests on the real running stack: Postman (newman), fuzzing (schemathesis), browser (Playwright, with 10 s access tokens), nginx edge
	bash scripts/test-stack.sh up
	trap 'bash scripts/test-stack.sh down' EXIT; \
	  bash scripts/newman.sh http://127.0.0.1:18080 && \
	  bash scripts/fuzz.sh http://127.0.0.1:18080 && \
	  bash scripts/test-stack.sh ttl 10 && \
	  (cd web && GATEWAY_URL=http://127.0.0.1:18080 npm run test:e2e && npm run size)
	bash scripts/check-edge.sh

compose-test: ## The compose stack for real: build the images (local base images where none can be pulled), up with task-service x 2, Postman through nginx, every replica scraped, down -v
	bash scripts/compose-test.sh

# Reads .env unless DATABASE_URL is already set (e.g. `make migrate DATABASE_URL=...`).
WITH_ENV = if [ -z "$${DATABASE_URL:-}" ] && [ -f .env ]; then set -a; . ./.env; set +a; fi;

migrate: ## Apply pending migrations to DATABASE_URL (creates the database if missing)
	$(WITH_ENV) $(CARGO) run -q -p migrate --bin migrate -- up

migrate-down: ## Revert the latest migration (the spec's downgrade -1)
	$(WITH_ENV) $(CARGO) run -q -p migrate --bin migrate -- down

purge: ## Remove rows past their retention (deleted tasks 7 d, deleted users 30 d, audit events 90 d)
	$(WITH_ENV) $(CARGO) run -q -p migrate --bin migrate -- purge

bench: ## Load test (release build): throughput and latency against the pgbench ceiling; see bench/README.md
	bash scripts/bench.sh

schema: ## Regenerate shared/src/db/schema.rs from a freshly migrated database
	bash scripts/schema.sh write

schema-check: ## Fail when schema.rs differs from what the migrations produce
	bash scripts/schema.sh check

openapi: ## Regenerate docs/openapi.json and the web app's API types from the code
	$(CARGO) run -q -p gateway --example openapi > docs/openapi.json
	cd web && npm run gen:api-types

clean: ## Remove build output and local run state (not .env, not .pgdata)
	$(CARGO) clean
	rm -rf .stack web/.next
