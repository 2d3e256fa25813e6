# taskhub: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help run test test-rust lint fmt fmt-check clippy build stack-tests web-checks e2e newman \
        config-checks deny migrate migrate-down schema schema-check openapi bench coverage clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## Build and start everything locally (database, .env, services, web app) and print the URLs
	@bash scripts/run.sh

test: fmt-check clippy test-rust schema-check web-checks config-checks stack-tests ## Everything CI checks
	@echo "make test: all checks passed"

fmt: ## Format the Rust code
	$(CARGO) fmt --all

fmt-check: ## Fail on unformatted Rust code
	$(CARGO) fmt --all -- --check

clippy: ## Lint with clippy, warnings are errors
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

build: ## Build the debug binaries (auth-service, task-service, gateway, migrate)
	$(CARGO) build --bins

test-rust: ## Unit and integration tests against PostgreSQL (a fresh database per test)
	$(CARGO) nextest run --workspace --no-fail-fast
	$(CARGO) test --workspace --doc

web-checks: ## Web app: types, lint, API types drift, production build and its bundle size
	cd web && npm run typecheck && npm run lint && npm run check:api-types && npm run build && npm run size

config-checks: ## docker-compose, nginx, Dockerfile and Prometheus alert checks (no container engine needed)
	bash scripts/check-compose.sh
	bash scripts/check-nginx.sh
	bash scripts/check-dockerfile.sh
	bash scripts/check-alerts.sh

stack-tests: build ## Black-box tests against the real running stack: Postman (newman), browser (Playwright)
	bash scripts/test-stack.sh up
	trap 'bash scripts/test-stack.sh down' EXIT; \
	  bash scripts/newman.sh http://127.0.0.1:18080 && \
	  (cd web && GATEWAY_URL=http://127.0.0.1:18080 npm run test:e2e)

migrate: ## Apply pending migrations to DATABASE_URL (creates the database if missing)
	set -a; [ -f .env ] && source .env; set +a; $(CARGO) run -q -p shared --bin migrate -- up

migrate-down: ## Revert the latest migration (the spec's downgrade -1)
	set -a; [ -f .env ] && source .env; set +a; $(CARGO) run -q -p shared --bin migrate -- down

schema: ## Regenerate shared/src/db/schema.rs from a freshly migrated database
	bash scripts/schema.sh write

schema-check: ## Fail when schema.rs differs from what the migrations produce
	bash scripts/schema.sh check

openapi: ## Regenerate docs/openapi.json and the web app's API types from the code
	$(CARGO) run -q -p gateway -- --print-openapi > docs/openapi.json
	cd web && npm run gen:api-types

clean: ## Remove build output and local run state (not .env, not .pgdata)
	$(CARGO) clean
	rm -rf .stack web/.next
