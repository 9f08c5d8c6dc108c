# httpserver container image.
#
#   make release TAG=1.2.3      builds it (docker buildx, podman or buildah)
#
# Base images are build arguments so an air-gapped build can point them at a mirror.
# BUILD_IMAGE compiles (it needs npm); RUNTIME_IMAGE runs.
ARG BUILD_IMAGE=docker.io/library/node:24-bookworm-slim
# Distroless: glibc, CA certificates, tzdata and node, with no shell, package manager or npm.
# Less to patch and nothing for an intruder to use; the official node binary is glibc-linked, so
# this is a closer match than Alpine's musl. Debugging goes through `kubectl debug` or nsenter.
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# --- dependencies: changes only when the lockfile does -------------------------------------------
# The build makes plain JavaScript, the same for every platform, so its stages run on the builder's
# own platform: a multi-platform release builds once, natively, not once per platform under emulation.
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# npm_ca: an optional extra CA for a TLS-intercepting proxy; mounted for this step only, never in a layer.
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --no-audit --no-fund --loglevel=error

# --- build: TypeScript to dist/, then one file with every runtime dependency in dist/bundle/ --------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build ./scripts/build
COPY src ./src
# The build also writes the OpenAPI document; its generator needs dev dependencies, so it stays here.
RUN npm run build

# --- runtime -------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=""
ARG REVISION=""
ARG CREATED=""
ARG SOURCE=""
LABEL org.opencontainers.image.title="httpserver" \
      org.opencontainers.image.description="Reference HTTP service for Kubernetes" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
# An empty VERSION makes the service report the version in package.json; GIT_COMMIT and
# BUILD_TIME are what GET /version reports.
# NODE_OPTIONS fixes V8's young generation at up to 8 MiB: sized from a pod's memory limit it is so
# small that every delayed request is promoted, which costs throughput (docs/performance.md, "In a
# pod"). Whoever sets NODE_OPTIONS should keep it.
ENV NODE_ENV=production \
    VERSION="${VERSION}" \
    GIT_COMMIT="${REVISION}" \
    BUILD_TIME="${CREATED}" \
    PORT=8080 \
    NODE_OPTIONS="--max-semi-space-size=8"
WORKDIR /app
# The bundles need no node_modules: loading one file instead of about 650 modules halves start-up.
# THIRD-PARTY-NOTICES.txt carries the licences of the packages inside them, sbom.cdx.json their
# versions for vulnerability scanners.
COPY --from=build /app/dist/bundle/main.js /app/dist/bundle/healthcheck.js /app/dist/bundle/sbom.cdx.json \
     /app/dist/bundle/THIRD-PARTY-NOTICES.txt /app/dist/openapi.json ./dist/
COPY package.json ./
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/nodejs/bin/node", "dist/healthcheck.js"]
# Node is PID 1 in exec form: SIGTERM reaches the app's graceful shutdown directly. It starts no
# child processes, so there are no zombies for an init to reap.
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["dist/main.js"]
