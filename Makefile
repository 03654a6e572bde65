# 贷款助手 (loan-broker). `make run` and `make test` are the two commands in the README.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
DEMO_DIR ?= $(CURDIR)/.demo
DEMO_PORT ?= 8080
DEMO_CUSTOMERS ?= 200

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

deps: ## install the system packages the tests need (Debian 12, as root; skips what is present)
	bash scripts/install-deps.sh

frontend/node_modules: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch frontend/node_modules

tests/e2e/node_modules: tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	touch tests/e2e/node_modules

frontend: frontend/node_modules ## build the web UI into frontend/dist
	cd frontend && npm run build

release: ## build the release binary
	$(CARGO) build --release --locked -p loan-broker

run: frontend release ## build everything, create a demo instance with demo customers, serve it
	DEMO_DIR="$(DEMO_DIR)" DEMO_PORT="$(DEMO_PORT)" DEMO_CUSTOMERS="$(DEMO_CUSTOMERS)" bash scripts/run-demo.sh

openapi: ## regenerate frontend/openapi.json, the TypeScript client and the vocabulary module from the service
	$(CARGO) run -q -p loan-broker -- openapi > frontend/openapi.json
	$(CARGO) run -q -p loan-broker -- vocabulary --typescript > frontend/src/domain/vocabulary.gen.ts
	cd frontend && npm run gen:api

check-rust: release ## fmt, clippy, all Rust tests (process tests run the release binary)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	LOAN_BROKER_TEST_BIN=$(CURDIR)/target/release/loan-broker $(CARGO) nextest run --locked --workspace --no-fail-fast
	$(CARGO) test --locked --doc --workspace

check-spec: ## the committed spec and generated client match the service
	$(CARGO) run -q --locked -p loan-broker -- openapi > /tmp/loan-broker-openapi.json
	diff -u frontend/openapi.json /tmp/loan-broker-openapi.json || { echo "frontend/openapi.json is stale: run 'make openapi'"; exit 1; }
	$(CARGO) run -q --locked -p loan-broker -- vocabulary --typescript > /tmp/loan-broker-vocabulary.gen.ts
	diff -u frontend/src/domain/vocabulary.gen.ts /tmp/loan-broker-vocabulary.gen.ts || { echo "frontend/src/domain/vocabulary.gen.ts is stale: run 'make openapi'"; exit 1; }

check-frontend: frontend/node_modules ## typecheck, lint, unit tests, generated-client staleness, build
	cd frontend && npm run check:gen && npm run typecheck && npm run lint && npm test && npm run build && npm run size

e2e: frontend tests/e2e/node_modules ## browser tests against a real server (headless Chromium)
	$(CARGO) build --locked -p loan-broker
	bash tests/e2e/run.sh

bench: frontend ## measure every performance target of product.md (release build, wrk on 127.0.0.1)
	bash tests/bench/run.sh
	$(CARGO) bench --locked -p loan-broker

deploy-test: release frontend ## Debian rehearsal: 5 instances, nginx + Pebble ACME + lego, restic, crash safety, alerts (root)
	bash tests/deploy/run.sh

fuzz: ## schemathesis against every operation of a running debug instance
	$(CARGO) build --locked -p loan-broker
	bash tests/fuzz/run.sh

check-nix: ## parse every .nix file (and evaluate the module when NIXPKGS_LIB is set)
	bash tests/nix/check.sh

test: deps check-rust check-spec check-frontend e2e fuzz deploy-test check-nix ## every test there is (installs what is missing)
	@echo "make test: all suites passed"

.PHONY: help deps frontend release run openapi check-rust check-spec check-frontend e2e check-nix test bench deploy-test fuzz
