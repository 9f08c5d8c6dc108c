# httpserver: every target does its own set-up from a fresh clone (Node 24, npm ci, build).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

WITH_NODE := ./scripts/with-node.sh
SOURCES := $(shell find src -name '*.ts' ! -name '*.spec.ts') tsconfig.json tsconfig.build.json package.json

.PHONY: help setup run test build lint format typecheck unit e2e clean release push test-image chart-test chart-run deploy destroy test-observability test-cgroup-v2 bench bench-cgroup-v2

# Container image (see README "Container image"). Override any of these on the command line.
REGISTRY ?= localhost
IMAGE ?= httpserver
TAG ?= $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
VERSION ?= $(TAG)
PLATFORM ?=
IMAGE_REF = $(REGISTRY)/$(IMAGE):$(TAG)
NPM_CA ?= $(NODE_EXTRA_CA_CERTS)
BUILD_FLAGS ?=
# Helm release (make deploy / destroy). helm from PATH, else the one scripts/ensure-helm.sh fetches.
RELEASE ?= httpserver
NAMESPACE ?= httpserver
HELM_ARGS ?=
HELM = $(shell command -v helm || ./scripts/ensure-helm.sh 4)

IMAGE_ENV = IMAGE_REF='$(IMAGE_REF)' PLATFORM='$(PLATFORM)' VERSION='$(VERSION)' NPM_CA='$(NPM_CA)' \
  BUILD_FLAGS='$(BUILD_FLAGS)' REVISION="$$(git rev-parse HEAD 2>/dev/null)" \
  CREATED="$$(date -u +%Y-%m-%dT%H:%M:%SZ)" SOURCE="$$(git remote get-url origin 2>/dev/null)"

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# Set-up (Node, npm ci, the build) runs in a second make under a lock: several make commands started
# at once in one clone (three `make run &`) wait for one another, and the later ones find it done.
SETUP_LOCK := .toolchain/setup.lock

node_modules/.installed: package.json package-lock.json .nvmrc
	$(WITH_NODE) npm ci --no-audit --no-fund --loglevel=error
	touch $@

dist/bundle/main.js: node_modules/.installed $(SOURCES) scripts/build/bundle.mts
	rm -rf dist
	$(WITH_NODE) npm run --silent build

ifndef SETUP_LOCKED
setup: ## Node 24, npm ci and the build, when needed (every target runs it; concurrent makes take turns)
	@mkdir -p $(dir $(SETUP_LOCK))
	@flock $(SETUP_LOCK) $(MAKE) --no-print-directory setup SETUP_LOCKED=1
else
setup: dist/bundle/main.js
	@:
endif

build: setup ## Compile TypeScript into dist/ and bundle it into dist/bundle/ (after Node 24 and npm ci, when needed)

run: setup ## Run the service on :8080 (configure with environment variables, see README)
	$(WITH_NODE) node dist/bundle/main.js

typecheck: setup ## Type-check sources and tests
	$(WITH_NODE) npm run --silent typecheck

lint: setup ## ESLint and Prettier
	$(WITH_NODE) npm run --silent lint

format: setup ## Rewrite files with Prettier
	$(WITH_NODE) npm run --silent format

unit: setup ## Unit tests only
	$(WITH_NODE) npm run --silent test:unit

e2e: build ## End-to-end tests only (in-process and child-process)
	$(WITH_NODE) npm run --silent test:e2e

test: typecheck lint build ## The README's test command: types, lint, unit and end-to-end tests
	$(WITH_NODE) npm test --silent

release: ## Build the image $(REGISTRY)/$(IMAGE):$(TAG) (docker buildx, podman or buildah)
	$(IMAGE_ENV) ./scripts/image/release.sh release

push: ## Push the image built by release (multi-platform: pushes the manifest list)
	$(IMAGE_ENV) ./scripts/image/release.sh push

test-image: ## Build the real Dockerfile with buildah and test the image with podman (needs no daemon)
	./scripts/image/test-image.sh

chart-test: build ## Lint, render and validate the Helm chart with Helm 3 and 4 (no cluster needed)
	./scripts/ensure-helm.sh 4 >/dev/null && ./scripts/ensure-helm.sh 3 >/dev/null
	$(WITH_NODE) npm run --silent test:chart

chart-run: setup ## Run the chart's rendered pod with podman kube play and check it (image from make test-image)
	./scripts/chart/chart-run.sh

test-observability: build ## A real Prometheus scrapes the service: p95, dashboard queries, alert rules (needs prometheus)
	@command -v prometheus >/dev/null && command -v promtool >/dev/null || \
	  { echo "test-observability needs Prometheus: apt-get install prometheus" >&2; exit 1; }
	./scripts/ensure-helm.sh 4 >/dev/null
	$(WITH_NODE) npm run --silent test:observability

test-cgroup-v2: build ## The service's limits, stress bounds and CPU quota in a pod-shaped cgroup v2, in a QEMU virtual machine (about 4 minutes, 2.5 once its disk is built)
	./scripts/vm/cgroup-v2.sh

bench: build ## Side-by-side ratios against the floor, tracing cost, one pod's capacity; writes bench/results/ (about 5 minutes, BENCH_FULL=1 about 25)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { echo "installing wrk (apt-get install wrk)"; apt-get install -y -qq wrk >/dev/null || \
	    { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }; } || \
	  { echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(WITH_NODE) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON bench/run.mts

bench-cgroup-v2: build ## One pod's capacity in cgroup v1 and v2 in turn, in test-cgroup-v2's emulated virtual machine: their ratio, not speeds; writes bench/results/cgroup-versions.md (about 13 minutes, 4 more to build the disk the first time)
	./scripts/vm/cgroup-v2.sh --capacity

deploy: ## helm upgrade --install the chart with the image from make release (needs a cluster)
	$(HELM) upgrade --install $(RELEASE) helm/httpserver --namespace $(NAMESPACE) --create-namespace \
	  --set image.repository=$(REGISTRY)/$(IMAGE) --set image.tag=$(TAG) --wait --timeout 5m $(HELM_ARGS)
	$(HELM) test $(RELEASE) --namespace $(NAMESPACE)

destroy: ## helm uninstall the release
	$(HELM) uninstall $(RELEASE) --namespace $(NAMESPACE) --wait

clean: ## Remove build output, dependencies, the downloaded Node and the cgroup v2 virtual machine
	rm -rf dist node_modules .toolchain coverage .cache
