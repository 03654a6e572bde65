# 贷款助手 (loan-broker). `make run` and `make test` are the two commands in the README; `make check`
# is the edit loop.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
DEMO_DIR ?= $(CURDIR)/.demo
DEMO_PORT ?= 8080
DEMO_CUSTOMERS ?= 200
# The one release binary every out-of-process suite runs (e2e, fuzz, client, deploy rehearsal, and
# the process tests under `make test`).
RELEASE_BIN := $(CURDIR)/target/release/loan-broker
# Every step prints "== step NAME: N s"; .ci/run collects them into a table (STEP_LOG).
STEP := bash $(CURDIR)/scripts/step.sh

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

deps: ## install the system packages the tests need (Debian 12, as root; skips what is present)
	$(STEP) deps bash scripts/install-deps.sh

frontend/node_modules: frontend/package-lock.json
	$(STEP) frontend-npm-ci npm --prefix frontend ci --no-audit --no-fund
	touch frontend/node_modules

tests/e2e/node_modules: tests/e2e/package-lock.json
	$(STEP) e2e-npm-ci npm --prefix tests/e2e ci --no-audit --no-fund
	touch tests/e2e/node_modules

frontend: frontend/node_modules ## build the web UI into frontend/dist
	$(STEP) frontend-build npm --prefix frontend run build

release: ## build the release binary (shared by every out-of-process suite)
	$(STEP) release $(CARGO) build --release --locked -p loan-broker

run: frontend release ## build everything, create a demo instance with demo customers, serve it
	DEMO_DIR="$(DEMO_DIR)" DEMO_PORT="$(DEMO_PORT)" DEMO_CUSTOMERS="$(DEMO_CUSTOMERS)" bash scripts/run-demo.sh

openapi: ## regenerate frontend/openapi.json, the TypeScript client and the vocabulary module from the service
	$(CARGO) run -q -p loan-broker -- openapi > frontend/openapi.json
	$(CARGO) run -q -p loan-broker -- vocabulary --typescript > frontend/src/domain/vocabulary.gen.ts
	cd frontend && npm run gen:api

# ---- the edit loop ---------------------------------------------------------------------------

check: check-rust check-frontend ## the edit loop: fmt, clippy, unit + API tests, frontend typecheck, lint, unit tests
	@echo "make check: passed"

# Under `make test` the process tests run the release binary (TEST_BIN, set there), whose memory the
# product's targets are about; under `make check` they run the debug binary cargo has just built.
check-rust: ## fmt, clippy, unit + API tests (nextest), doc tests
	$(STEP) fmt $(CARGO) fmt --all -- --check
	$(STEP) clippy $(CARGO) clippy --locked --all-targets -- -D warnings
	$(STEP) rust-tests $(if $(TEST_BIN),env LOAN_BROKER_TEST_BIN=$(TEST_BIN)) $(CARGO) nextest run --locked --workspace --no-fail-fast
	$(STEP) doc-tests $(CARGO) test --locked --doc --workspace

check-frontend: frontend/node_modules ## generated client up to date with the spec, typecheck, lint, unit tests (vitest)
	$(STEP) frontend-gen npm --prefix frontend run check:gen
	$(STEP) frontend-typecheck npm --prefix frontend run typecheck
	$(STEP) frontend-lint npm --prefix frontend run lint
	$(STEP) frontend-unit npm --prefix frontend test

# ---- everything else CI runs -------------------------------------------------------------------

check-spec: ## the committed spec and generated client match the service
	$(STEP) spec bash -c '$(CARGO) run -q --locked -p loan-broker -- openapi > /tmp/loan-broker-openapi.json && \
	  { diff -u frontend/openapi.json /tmp/loan-broker-openapi.json || { echo "frontend/openapi.json is stale: run make openapi"; exit 1; }; } && \
	  $(CARGO) run -q --locked -p loan-broker -- vocabulary --typescript > /tmp/loan-broker-vocabulary.gen.ts && \
	  { diff -u frontend/src/domain/vocabulary.gen.ts /tmp/loan-broker-vocabulary.gen.ts || { echo "frontend/src/domain/vocabulary.gen.ts is stale: run make openapi"; exit 1; }; }'

bundle-size: frontend ## the built web UI stays within its size budget
	$(STEP) bundle-size npm --prefix frontend run size

e2e: release frontend tests/e2e/node_modules ## browser tests against the release binary (headless Chromium)
	$(STEP) e2e env LOAN_BROKER_BIN=$(RELEASE_BIN) bash tests/e2e/run.sh

fuzz: release ## schemathesis against every operation of a running release instance
	$(STEP) fuzz env LOAN_BROKER_BIN=$(RELEASE_BIN) bash tests/fuzz/run.sh

client-test: release ## a Python client generated from the committed spec (openapi-python-client), used against the release binary
	$(STEP) client-test env LOAN_BROKER_BIN=$(RELEASE_BIN) bash tests/client/run.sh

deploy-test: release frontend ## Debian rehearsal: 5 instances, nginx + Pebble ACME + lego, restic, crash safety, alerts (root)
	$(STEP) deploy-test env LOAN_BROKER_BIN=$(RELEASE_BIN) bash tests/deploy/run.sh

check-nix: ## parse every .nix file (and evaluate the module when NIXPKGS_LIB is set)
	$(STEP) nix bash tests/nix/check.sh

bench: frontend ## measure every performance target of product.md (release build, wrk on 127.0.0.1)
	bash tests/bench/run.sh
	$(CARGO) bench --locked -p loan-broker

# `release` comes before `check` so the process tests find the binary (make runs prerequisites in order).
test: TEST_BIN = $(RELEASE_BIN)
test: deps release check check-spec bundle-size e2e fuzz client-test deploy-test check-nix ## every test there is (installs what is missing)
	@echo "make test: all suites passed"

.PHONY: help deps frontend release run openapi check check-rust check-frontend check-spec bundle-size e2e fuzz client-test deploy-test check-nix bench test
