#!/usr/bin/env bash
# Search benchmark (issue 7): fills a fresh database with N synthetic people (`s117 demo-data`),
# starts the real server, and measures each kind of Manage Records query under 32 concurrent
# connections with wrk, beside /health in the same run. Prints requests/s and p50/p99 latency
# per query, then the time to create a record and the server's memory after the benchmark.
# Target (issue 7): p99 <= 20 ms for every kind of query on both databases.
#
# Usage: bench/search.sh [sqlite|postgres|both] [records]     (default: both 100000)
# Env: S117_BIN (default: release build in $CARGO_TARGET_DIR or target/), DURATION (10s),
#      WARMUP (2s of the same load before each measurement, not counted),
#      PGURL_ADMIN (postgres://postgres@127.0.0.1:5432/test: where the bench database is made).
# Installs wrk with apt-get when it is missing.
set -euo pipefail
kind=${1:-both}
records=${2:-100000}
if [ "$kind" = both ]; then
  "$0" sqlite "$records"
  echo
  exec "$0" postgres "$records"
fi
duration=${DURATION:-10s}
warmup=${WARMUP:-2s}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${S117_BIN:-${CARGO_TARGET_DIR:-$here/target}/release/s117}
[ -x "$bin" ] || (cd "$here" && cargo build --release -q -p s117-api --bin s117)
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
admin_url=${PGURL_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export S117_LISTEN=127.0.0.1:$port S117_DATA_DIR=$work/data S117_WEB_DIR=$work/web RUST_LOG=warn
export S117_LOGIN_LIMIT_PER_IP=1000
db_name=""
if [ "$kind" = postgres ]; then
  db_name=s117_bench_$$
  psql -q "$admin_url" -c "CREATE DATABASE $db_name" >/dev/null
  export S117_DATABASE_URL=${admin_url%/*}/$db_name
else
  export S117_DATABASE_URL=sqlite://$work/data/s117.db
fi
cleanup() {
  if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$db_name" ]; then psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "# search benchmark: $kind, $records records, 32 connections, $duration per query after $warmup of warm-up ($(nproc) cores)"
t0=$(date +%s.%N)
"$bin" demo-data --records "$records" >/dev/null
printf 'demo-data: %s records in %.1f s\n' "$records" "$(echo "$(date +%s.%N) - $t0" | bc)"
# demo-data ends with VACUUM ANALYZE on PostgreSQL (statistics and the visibility map a
# bulk load leaves without), so autovacuum does not run during the measurements.
# A checkpoint now, too: the load writes about half of max_wal_size (1 GB by default) of WAL,
# so otherwise the checkpoint it is due falls inside the measurements, and every page the
# searches' audit entries first touch after it is logged whole (seen: the last queries' p99
# and the time to create a record four times what they were before it started).
if [ "$kind" = postgres ]; then psql -q "$S117_DATABASE_URL" -c CHECKPOINT >/dev/null; fi
"$bin" create-admin --email bench-admin@example.org >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
token=$(python3 "$here/scripts/ci-admin-token.py" "http://127.0.0.1:$port" "$work/data/outbox" bench-admin@example.org)
base="http://127.0.0.1:$port"
first=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/records?per_page=1&sort=id")
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["items"][0][sys.argv[2]])' "$first" "$1"; }
nhs=$(field nhs_number)
rid=$(field id)
sid=$(field source_system_id)
# Two name words that find someone: the starts of the first person's first and family names
# (a fixed pair such as "ali smi" can match nobody in a given run's random data).
given=$(field first_name); family=$(field family_name)
pair="${given:0:3} ${family:0:3}"; pair=${pair,,}
spaced="${nhs:0:3}%20${nhs:3:3}%20${nhs:6:4}"
total() { curl -fs -H "Authorization: Bearer $token" "$base$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

printf '%-30s %10s   %11s   %11s   %13s   %s\n' "query (matches)" "req/s" "p50" "p99" "steal / idle" ""
# The host's CPU time stolen by other guests and left idle while a measurement ran (from
# /proc/stat), printed beside it: on a shared host the same query's p99 has been seen to
# double between runs minutes apart, and these say whether the host was the cause.
cpu_times() { awk '/^cpu / {print $5 + $6, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
run() {
  local label=$1 path=$2 out rps p50 p99 non2xx n=""
  [ "$path" != /health ] && n=" ($(total "$path"))"
  # Warm-up first, not measured: each of the server's pooled connections prepares and plans
  # the query's statement on its first few uses (PostgreSQL plans a prepared statement anew
  # for its first five runs before it settles on a plan); the figures are the steady state.
  warm=$(wrk -t2 -c32 -d"$warmup" -H "Authorization: Bearer $token" "$base$path")
  read -r idle0 steal0 all0 < <(cpu_times)
  out=$(wrk -t2 -c32 -d"$duration" --latency -H "Authorization: Bearer $token" "$base$path")
  read -r idle1 steal1 all1 < <(cpu_times)
  local noise
  noise=$(awk -v s=$((steal1 - steal0)) -v i=$((idle1 - idle0)) -v a=$((all1 - all0)) 'BEGIN {printf "%4.1f%% / %4.1f%%", 100 * s / a, 100 * i / a}')
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $4}' <<<"$out")
  [ "$path" != /health ] && searches=$((searches + $(awk '/requests in/ {print $1}' <<<"$warm"$'\n'"$out" | paste -sd+ | bc) + 1))
  printf '%-30s %10s   p50 %7s   p99 %7s   %13s   %s\n' "$label$n" "$rps" "$p50" "$p99" "$noise" "${non2xx:+NON-2XX: $non2xx}"
}
searches=0
run "/health (baseline)" "/health"
run "exact NHS number" "/api/v1/records?q=$nhs"
run "NHS number with spaces" "/api/v1/records?q=$spaced"
run "register ID" "/api/v1/records?q=$rid"
run "source system ID" "/api/v1/records?q=$sid"
run "partial name (harb)" "/api/v1/records?q=harb"
run "partial name (smi)" "/api/v1/records?q=smi"
run "two names ($pair)" "/api/v1/records?q=${pair// /%20}"
run "postcode sector (ST5 1)" "/api/v1/records?q=ST5%201"
run "postcode district (ST5)" "/api/v1/records?q=ST5"
run "list, no query" "/api/v1/records"
run "/health (baseline, again)" "/health"
# Every search answered wrote its audit entry (wrk's count can miss a few cut off at the end).
audit_sql="SELECT COUNT(*) FROM audit_log WHERE action = 'records.searched'"
if [ "$kind" = postgres ]; then
  audited=$(psql -tAq "$S117_DATABASE_URL" -c "$audit_sql")
else
  audited=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$work/data/s117.db" "$audit_sql")
fi
echo "search audit entries: $audited for $searches searches counted by wrk and curl"
python3 "$here/bench/create_record.py" "$base" "$token" 50
rss=$(awk '/VmRSS/ {print $2, $3}' "/proc/$server/status")
echo "server memory after the benchmark (RSS): $rss"
