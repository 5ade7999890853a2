#!/usr/bin/env bash
# `make conformance`: versitygw's client-side S3 suite (the tests its
# `versitygw test full-flow` runs) against three targets, one after the
# other, each on fresh servers on loopback:
#
#   minio            MinIO directly (the reference)
#   ringside-prefix  ringside serve, buckets on a prefix location on MinIO
#   ringside-noprefix ringside serve, buckets on a no-prefix location on MinIO
#   ringside-prefix-versioned (only when asked) the prefix location on a
#                    backend bucket with versioning enabled
#   ringside-noprefix-locked (only when asked) the no-prefix location on a
#                    backend bucket created with object lock (so versioned)
#
# CreateBucket without a location constraint binds the bucket to
# serve's --default-location, which is how the suite's buckets reach each
# location. Results go to $CONFORMANCE_OUT (default test/conformance/out):
# <target>.jsonl (one line per test), <target>.log (the suite's verbose
# output), results.tsv (a column per target), summary.md, and failures.tsv:
# every test that fails through ringside, classified (a-design: ACLs,
# policies, IAM, owner controls, one bucket per no-prefix location;
# b-backend: fails on MinIO directly too; c-gap: passes on MinIO only).
#
# Environment: CONFORMANCE_TARGETS (default all three), CONFORMANCE_RUN (a
# regexp of test names, for reproducing a few), RINGSIDE_MINIO.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

# The suite's version: test/conformance/fullflow/go.mod pins the same one.
# v1.8.0 is the newest release on the Go module proxy.
VERSITYGW_VERSION=v1.8.0
out="${CONFORMANCE_OUT:-$repo/test/conformance/out}"
targets="${CONFORMANCE_TARGETS:-minio ringside-prefix ringside-noprefix}"
minio_bin="${RINGSIDE_MINIO:-$repo/.tools/minio}"
aws_cli=/usr/bin/aws
[ -x "$aws_cli" ] || aws_cli="$(command -v aws)"

backend_key=conformance-minio
backend_secret=conformance-minio-secret-7Qx2
client_key=conformance-client
client_secret=conformance-client-secret-P4k9
admin_token=conformance-admin-token-Hs81

work="$(mktemp -d -t ringside-conformance-XXXXXX)"
pids=()
# stop_servers ends the servers this script started, so that a target's
# servers do not take CPU from the next target's run.
stop_servers() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	pids=()
}
cleanup() {
	stop_servers
	rm -rf "$work"
}
trap cleanup EXIT

log() { printf '%s conformance: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL PID: until URL answers 200, the process is gone, or 60s.
wait_http() {
	local deadline=$((SECONDS + 60))
	until curl -fs -o /dev/null "$1"; do
		if ! kill -0 "$2" 2>/dev/null; then
			log "process $2 exited while waiting for $1"
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			log "no answer from $1 within 60s"
			return 1
		fi
		sleep 0.2
	done
}

# start_minio NAME: a fresh MinIO; sets minio_url.
start_minio() {
	local port console
	port="$(free_port)" console="$(free_port)"
	mkdir -p "$work/$1"
	env -u MINIO_ROOT_USER -u MINIO_ROOT_PASSWORD \
		MINIO_ROOT_USER="$backend_key" MINIO_ROOT_PASSWORD="$backend_secret" \
		MINIO_BROWSER=off MINIO_UPDATE=off \
		"$minio_bin" server --quiet --address "127.0.0.1:$port" \
		--console-address "127.0.0.1:$console" "$work/$1/data" >"$out/$1.minio.log" 2>&1 &
	pids+=($!)
	minio_url="http://127.0.0.1:$port"
	wait_http "$minio_url/minio/health/ready" "$!"
}

backend_aws() {
	AWS_ACCESS_KEY_ID="$backend_key" AWS_SECRET_ACCESS_KEY="$backend_secret" \
		AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		"$aws_cli" --endpoint-url "$minio_url" "$@"
}

# backend_bucket NAME VERSIONED: the location's target bucket. A gateway
# bucket's versioning is its backend bucket's, and the suite expects the
# buckets it creates to be unversioned, as they are on MinIO directly; the
# -versioned target shows what versioning on (as on a RING) changes.
# VERSIONED "locked" creates it with object lock, which ringside never
# configures on a backend bucket: the -locked target is the one where the
# suite's object lock buckets can be created.
backend_bucket() {
	if [ "$2" = locked ]; then
		backend_aws s3api create-bucket --bucket "$1" --object-lock-enabled-for-bucket >/dev/null
		return
	fi
	backend_aws s3api create-bucket --bucket "$1" >/dev/null
	if [ "$2" = yes ]; then
		backend_aws s3api put-bucket-versioning --bucket "$1" \
			--versioning-configuration Status=Enabled >/dev/null
	fi
}

# start_ringside TARGET VERSIONED [--no-prefix]: a ringside serve in front
# of a fresh MinIO, whose one location is the default; sets ringside_url.
start_ringside() {
	local name="$1" versioned="$2" s3_port admin_port
	shift 2
	start_minio "$name"
	backend_bucket "$name-backend" "$versioned"
	s3_port="$(free_port)" admin_port="$(free_port)"
	env -u RINGSIDE_ACCESS_KEY -u RINGSIDE_SECRET_KEY -u RINGSIDE_ADMIN_TOKEN \
		"$work/ringside" serve --listen "127.0.0.1:$s3_port" --admin-listen "127.0.0.1:$admin_port" \
		--data-dir "$work/$name/ringside" --access-key "$client_key" --secret-key "$client_secret" \
		--admin-token "$admin_token" --default-location conformance >"$out/$name.ringside.log" 2>&1 &
	pids+=($!)
	ringside_url="http://127.0.0.1:$s3_port"
	wait_http "http://127.0.0.1:$admin_port/readyz" "$!"
	"$work/ringside" location add conformance --admin "http://127.0.0.1:$admin_port" \
		--admin-token "$admin_token" --endpoint "$minio_url" --access-key "$backend_key" \
		--secret-key "$backend_secret" --bucket "$name-backend" "$@" >/dev/null
}

# suite TARGET ENDPOINT KEY SECRET: runs the suite, results in TARGET.jsonl.
suite() {
	local started=$SECONDS
	log "$1: running the suite against $2"
	# Some tests run ./versitygw (its admin commands); the shell's AWS
	# settings (a CA bundle, a profile) are not the suite's.
	(cd "$work/suite" && env -u AWS_CA_BUNDLE -u AWS_PROFILE -u AWS_REGION -u AWS_DEFAULT_REGION \
		-u AWS_ENDPOINT_URL AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		"$work/fullflow" -endpoint "$2" -access "$3" -secret "$4" \
		-run "${CONFORMANCE_RUN:-}" -out "$out/$1.jsonl" >"$out/$1.log" 2>&1)
	log "$1: done in $((SECONDS - started))s: $(grep -c '"result":"pass"' "$out/$1.jsonl") passed of $(wc -l <"$out/$1.jsonl")"
}

main() {
	local started=$SECONDS target reports=()
	[ -x "$minio_bin" ] || { log "no MinIO at $minio_bin: run test/deps.sh"; exit 1; }
	mkdir -p "$out"
	rm -f "$out"/*.jsonl "$out"/*.log
	log "building ringside and versitygw $VERSITYGW_VERSION's suite"
	go build -o "$work/ringside" ./cmd/ringside
	go build -C test/conformance/fullflow -o "$work/fullflow" .
	# The suite's own command line, for reproducing one test by hand:
	# versitygw test -a KEY -s SECRET -e URL TestName
	local vgw_dir="$repo/.tools/versitygw-$VERSITYGW_VERSION"
	[ -x "$vgw_dir/versitygw" ] ||
		GOBIN="$vgw_dir" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
	mkdir -p "$work/suite"
	ln -s "$vgw_dir/versitygw" "$work/suite/versitygw"
	for target in $targets; do
		case "$target" in
		minio)
			start_minio minio
			suite minio "$minio_url" "$backend_key" "$backend_secret"
			;;
		ringside-prefix)
			start_ringside ringside-prefix no
			suite ringside-prefix "$ringside_url" "$client_key" "$client_secret"
			;;
		ringside-noprefix)
			start_ringside ringside-noprefix no --no-prefix
			suite ringside-noprefix "$ringside_url" "$client_key" "$client_secret"
			;;
		ringside-prefix-versioned)
			start_ringside ringside-prefix-versioned yes
			suite ringside-prefix-versioned "$ringside_url" "$client_key" "$client_secret"
			;;
		ringside-noprefix-locked)
			start_ringside ringside-noprefix-locked locked --no-prefix
			suite ringside-noprefix-locked "$ringside_url" "$client_key" "$client_secret"
			;;
		*)
			log "unknown target $target"
			exit 1
			;;
		esac
		stop_servers
		reports+=("$target=$out/$target.jsonl")
	done
	"$work/fullflow" report -tsv "$out/results.tsv" -summary "$out/summary.md" \
		-failures "$out/failures.tsv" "${reports[@]}"
	cat "$out/summary.md"
	log "done in $((SECONDS - started))s; results in $out"
}

main
