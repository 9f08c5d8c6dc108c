#!/usr/bin/env bash
# Builds (release) or pushes (push) the image with docker buildx when a Docker daemon answers,
# else podman, else buildah. Settings come from the environment (the Makefile passes them):
#   IMAGE_REF  full reference, e.g. ghcr.io/acme/httpserver:1.2.3
#   PLATFORM   empty for the host's, or e.g. linux/amd64,linux/arm64 (builds a manifest list)
#   VERSION REVISION CREATED SOURCE   build arguments (version and OCI labels)
#   NPM_CA     optional CA file for npm behind a TLS-intercepting proxy (a build secret)
#   BUILD_FLAGS  extra flags for the builder, e.g. "--pull=never --isolation chroot"
#   BUILDER    force docker, podman or buildah
# podman and buildah get --format docker (OCI images drop HEALTHCHECK) and --layers (buildah
# caches no step without it, so a change to src/ would reinstall every dependency).
set -euo pipefail
action=${1:?usage: release.sh release|push}
: "${IMAGE_REF:?IMAGE_REF is required}"

builder=${BUILDER:-}
if [ -z "$builder" ]; then
  if command -v docker >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    builder=docker
  elif command -v podman >/dev/null 2>&1; then
    builder=podman
  elif command -v buildah >/dev/null 2>&1; then
    builder=buildah
  else
    echo "release.sh: no image builder: install docker (with buildx), podman or buildah" >&2
    exit 1
  fi
fi

args=(--build-arg "VERSION=${VERSION:-}" --build-arg "REVISION=${REVISION:-}"
      --build-arg "CREATED=${CREATED:-}" --build-arg "SOURCE=${SOURCE:-}")
# The secret is always declared; an empty one means "no extra CA" (see the Dockerfile).
args+=(--secret "id=npm_ca,src=${NPM_CA:-/dev/null}")
# shellcheck disable=SC2206 # BUILD_FLAGS is a list of flags by design
args+=(${BUILD_FLAGS:-})
multi=false
[[ "${PLATFORM:-}" == *,* ]] && multi=true

case "$builder:$action" in
  docker:release)
    out=(--load); $multi && out=()   # a multi-platform result stays in the build cache until push
    docker buildx build ${PLATFORM:+--platform "$PLATFORM"} "${args[@]}" "${out[@]}" -t "$IMAGE_REF" . ;;
  docker:push)
    docker buildx build ${PLATFORM:+--platform "$PLATFORM"} "${args[@]}" --push -t "$IMAGE_REF" . ;;
  podman:release | buildah:release)
    # buildah (1.28, Debian 12) keys its layer cache on a LABEL or ENV line's text, not on the build
    # arguments in it: a rebuild with a new VERSION and unchanged sources would keep the old
    # VERSION, GIT_COMMIT, BUILD_TIME and labels. So the cached build is followed by an uncached
    # step that sets them again; a multi-platform build is simply not cached.
    if $multi; then
      "$builder" manifest rm "$IMAGE_REF" >/dev/null 2>&1 || true
      "$builder" build --format docker --no-cache --platform "$PLATFORM" --manifest "$IMAGE_REF" "${args[@]}" .
    else
      "$builder" build --format docker --layers ${PLATFORM:+--platform "$PLATFORM"} -t "$IMAGE_REF" "${args[@]}" .
      stamp=$(mktemp -d)
      printf '%s\n' "FROM $IMAGE_REF" \
        "LABEL org.opencontainers.image.version=\"${VERSION:-}\" org.opencontainers.image.revision=\"${REVISION:-}\" org.opencontainers.image.created=\"${CREATED:-}\" org.opencontainers.image.source=\"${SOURCE:-}\"" \
        "ENV VERSION=\"${VERSION:-}\" GIT_COMMIT=\"${REVISION:-}\" BUILD_TIME=\"${CREATED:-}\"" > "$stamp/Dockerfile"
      "$builder" build --format docker --no-cache --pull=never --quiet -t "$IMAGE_REF" "$stamp" >/dev/null
      rm -rf "$stamp"
    fi ;;
  podman:push | buildah:push)
    if $multi; then "$builder" manifest push --all "$IMAGE_REF" "docker://$IMAGE_REF"
    else "$builder" push "$IMAGE_REF"; fi ;;
  *) echo "release.sh: unknown action $action" >&2; exit 1 ;;
esac
