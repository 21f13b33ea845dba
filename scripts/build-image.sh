#!/usr/bin/env bash
# Build one workers-core image WITHOUT a Docker daemon (buildah, vfs storage, chroot isolation) and smoke-run it
# as the non-root user. Separate from scripts/ci-infra-check.sh because it downloads the Python dependencies and
# takes minutes (TOOLING.md §5). No Docker Hub here, so the base is a stand-in: Debian bookworm's python3 in a
# mmdebstrap rootfs imported as localhost/python:3.11-slim (it proves the Dockerfile logic, not the final bytes).
#
#   sudo scripts/build-image.sh registry                  # target name from docker/docker-bake.json
#   BASE=python:3.13-slim scripts/build-image.sh ocr      # where the real base image can be pulled
set -euo pipefail

TARGET="${1:?usage: build-image.sh <bake target, e.g. registry>}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${WORK:-/var/tmp/workers-core-build}"
STORAGE=(--storage-driver vfs)
BASE="${BASE:-localhost/python:3.11-slim}"

for bin in buildah podman mmdebstrap jq; do
  command -v "$bin" >/dev/null || { echo "missing $bin: apt-get install -y buildah podman mmdebstrap jq" >&2; exit 1; }
done
EXTRA="$(jq -r --arg t "$TARGET" '.target[$t].args.EXTRA // empty' "$ROOT/docker/docker-bake.json")"
[[ -n "$EXTRA" ]] || { echo "unknown target $TARGET (see docker/docker-bake.json)" >&2; exit 2; }
mkdir -p "$WORK"

if [[ "$BASE" == localhost/python:3.11-slim ]] && ! podman "${STORAGE[@]}" image exists "$BASE"; then
  echo "build-image: creating the stand-in base $BASE"
  mmdebstrap --variant=minbase --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates,passwd \
    bookworm "$WORK/rootfs.tar"
  podman "${STORAGE[@]}" import "$WORK/rootfs.tar" localhost/python-raw:3.11-slim
  # TLS to the package index is intercepted by a local CA on this machine: hand its bundle to the image.
  cat >"$WORK/Containerfile.base" <<'EOF'
FROM localhost/python-raw:3.11-slim
COPY ca.pem /etc/ssl/certs/ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
EOF
  cp "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$WORK/ca.pem"
  buildah "${STORAGE[@]}" bud --isolation chroot -f "$WORK/Containerfile.base" -t "$BASE" "$WORK"
fi

image="localhost/workers-core-$TARGET:ci"
echo "build-image: $image (target $TARGET, EXTRA=$EXTRA, BASE=$BASE)"
buildah "${STORAGE[@]}" bud --isolation chroot --layers --format docker -f "$ROOT/docker/Dockerfile" --target "$TARGET" \
  --build-arg BASE="$BASE" --build-arg EXTRA="$EXTRA" --build-arg VERSION=0.0.0-ci \
  --build-arg REVISION="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t "$image" "$ROOT"

user="$(podman "${STORAGE[@]}" inspect --format '{{.Config.User}}' "$image")"
[[ "$user" == 1000:1000 || "$user" == 1000 ]] || { echo "image user is '$user', expected 1000" >&2; exit 1; }
c="$(buildah "${STORAGE[@]}" from "$image")"
trap 'buildah "${STORAGE[@]}" rm "$c" >/dev/null' EXIT
uid="$(buildah "${STORAGE[@]}" run --isolation chroot "$c" -- id -u)"
[[ "$uid" == 1000 ]] || { echo "runs as uid $uid, expected 1000" >&2; exit 1; }
buildah "${STORAGE[@]}" run --isolation chroot "$c" -- workers-core --version
buildah "${STORAGE[@]}" run --isolation chroot "$c" -- python -c "import celeryconfig, shared; print('imports ok')"
echo "build-image: $image OK (user $user, uid $uid)"
