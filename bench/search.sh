#!/usr/bin/env bash
# Search benchmark (issue 7): fills a fresh database with N synthetic people, starts the real
# server, and measures each kind of Manage Records query under 32 concurrent connections with
# wrk, beside /health in the same run. Prints requests/s and p50/p99 latency per query.
#
# Usage: bench/search.sh [sqlite|postgres] [records]   (needs wrk: apt-get install wrk)
# Env: S117_BIN (default: release build in $CARGO_TARGET_DIR or target/), DURATION (10s).
set -euo pipefail
kind=${1:-sqlite}
records=${2:-100000}
duration=${DURATION:-10s}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${S117_BIN:-${CARGO_TARGET_DIR:-$here/target}/release/s117}
[ -x "$bin" ] || (cd "$here" && cargo build --release -q -p s117-api --bin s117)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export S117_LISTEN=127.0.0.1:$port S117_DATA_DIR=$work/data S117_WEB_DIR=$work/web RUST_LOG=warn
export S117_LOGIN_LIMIT_PER_IP=1000
db_name=""
if [ "$kind" = postgres ]; then
  db_name=s117_bench_$$
  psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE $db_name" >/dev/null
  export S117_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db_name
else
  export S117_DATABASE_URL=sqlite://$work/data/s117.db
fi
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -n "$db_name" ] && psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "# search benchmark: $kind, $records records, 32 connections, $duration per query"
"$bin" demo-data --records "$records"
"$bin" create-admin --email bench-admin@example.org >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
token=$(python3 "$here/scripts/ci-admin-token.py" "http://127.0.0.1:$port" "$work/data/outbox" bench-admin@example.org)
base="http://127.0.0.1:$port"
first=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/records?per_page=1&sort=id")
nhs=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["items"][0]["nhs_number"])' "$first")
rid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["items"][0]["id"])' "$first")
sid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["items"][0]["source_system_id"])' "$first")
spaced="${nhs:0:3}%20${nhs:3:3}%20${nhs:6:4}"

run() {
  local label=$1 path=$2
  local out
  out=$(wrk -t2 -c32 -d"$duration" --latency -H "Authorization: Bearer $token" "$base$path")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $4}' <<<"$out")
  printf '%-28s %10s req/s   p50 %8s   p99 %8s   %s\n' "$label" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
}
run "/health (baseline)" "/health"
run "exact NHS number" "/api/v1/records?q=$nhs"
run "NHS number with spaces" "/api/v1/records?q=$spaced"
run "register ID" "/api/v1/records?q=$rid"
run "source system ID" "/api/v1/records?q=$sid"
run "partial name (harb)" "/api/v1/records?q=harb"
run "two names (ali smi)" "/api/v1/records?q=ali%20smi"
run "postcode (ST5 1)" "/api/v1/records?q=ST5%201"
run "list, no query" "/api/v1/records"
python3 "$here/bench/create_record.py" "$base" "$token" 50
rss=$(awk '/VmRSS/ {print $2, $3}' "/proc/$server/status")
echo "server memory after the benchmark (RSS): $rss"
