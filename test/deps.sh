#!/usr/bin/env bash
# Installs what ringside's tests need, when it is missing. Idempotent and
# non-interactive; safe to run before every `make test`.
#
#   - Debian packages: awscli, s3cmd, rclone, python3-boto3 (the real S3
#     clients of the end-to-end tests); prometheus for promtool and systemd
#     for systemd-analyze (test/deploy checks the alert rules and the unit);
#     chromium for the web console's browser tests (test/console).
#   - MinIO, the real S3 server of the second end-to-end backend, built with
#     `go install` at a pinned commit into <repo>/.tools/minio.
#
# The tests call the Debian aws-cli as /usr/bin/aws, not whatever `aws` is
# first on PATH: a pyenv shim or a pip-installed aws-cli v1 often is, and
# behaves differently (SigV2 presigned URLs, no aws-chunked uploads).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# MinIO publishes RELEASE.* tags, which are not semantic versions, so the Go
# proxy only knows its commits as pseudo-versions; this one (2026-02-12) is
# what `go install github.com/minio/minio@latest` resolves to and builds with
# Go 1.26. Override with MINIO_VERSION=... to try another.
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"

packages=(awscli s3cmd rclone python3-boto3 prometheus systemd chromium)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -n "$@"
	else
		echo "deps: need root (or sudo) to run: $*" >&2
		return 1
	fi
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The prometheus package is here for promtool only: where systemd runs, its
# postinst starts and enables a Prometheus server, which no test wants.
if [ -d /run/systemd/system ] && systemctl is-enabled --quiet prometheus 2>/dev/null; then
	as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
for tool in /usr/bin/aws /usr/bin/s3cmd /usr/bin/rclone /usr/bin/promtool /usr/bin/systemd-analyze /usr/bin/chromium; do
	[ -x "$tool" ] || { echo "deps: $tool is missing after installing its package" >&2; exit 1; }
done
/usr/bin/python3 -c 'import boto3' || { echo "deps: /usr/bin/python3 cannot import boto3" >&2; exit 1; }

if [ ! -x "$repo/.tools/minio" ]; then
	echo "deps: building MinIO $MINIO_VERSION into $repo/.tools (takes a few minutes the first time)"
	mkdir -p "$repo/.tools"
	(cd "$repo" && GOBIN="$repo/.tools" go install "github.com/minio/minio@$MINIO_VERSION")
fi
"$repo/.tools/minio" --version >/dev/null || { echo "deps: $repo/.tools/minio does not run" >&2; exit 1; }
echo "deps: ready (aws: /usr/bin/aws, minio: $repo/.tools/minio)"
