# httpserver: every target does its own set-up from a fresh clone (Node 24, npm ci, build).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

WITH_NODE := ./scripts/with-node.sh
SOURCES := $(shell find src -name '*.ts' ! -name '*.spec.ts') tsconfig.json tsconfig.build.json package.json

.PHONY: help run test build lint format typecheck unit e2e clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json .nvmrc
	$(WITH_NODE) npm ci --no-audit --no-fund --loglevel=error
	touch $@

dist/main.js: node_modules/.installed $(SOURCES)
	rm -rf dist
	$(WITH_NODE) npm run --silent build

build: dist/main.js ## Compile TypeScript into dist/

run: build ## Run the service on :8080 (configure with environment variables, see README)
	$(WITH_NODE) node dist/main.js

typecheck: node_modules/.installed ## Type-check sources and tests
	$(WITH_NODE) npm run --silent typecheck

lint: node_modules/.installed ## ESLint and Prettier
	$(WITH_NODE) npm run --silent lint

format: node_modules/.installed ## Rewrite files with Prettier
	$(WITH_NODE) npm run --silent format

unit: node_modules/.installed ## Unit tests only
	$(WITH_NODE) npm run --silent test:unit

e2e: build ## End-to-end tests only (in-process and child-process)
	$(WITH_NODE) npm run --silent test:e2e

test: typecheck lint build ## Everything CI checks: types, lint, unit and end-to-end tests
	$(WITH_NODE) npm test --silent

clean: ## Remove build output, dependencies and the downloaded Node
	rm -rf dist node_modules .toolchain coverage
