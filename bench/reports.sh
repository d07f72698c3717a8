#!/usr/bin/env bash
# Reporting benchmark (issue 5): fills a fresh database with N synthetic people, starts the
# real server and measures
#   - the dashboard: latency of one request at a time (min / p50 / p95 / max of 30), unfiltered
#     and filtered, and requests/s under 8 connections (wrk, if installed);
#   - full exports: time to download the All Records report (every row) as CSV and as XLSX,
#     with the server's private memory before and its peak during each, so one can see that
#     memory does not grow with the row count (run with 10000 and 100000 records).
#
# Usage: bench/reports.sh [sqlite|postgres] [records]
# Env: S117_BIN (default: release build in $CARGO_TARGET_DIR or target/).
set -euo pipefail
kind=${1:-sqlite}
records=${2:-100000}
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

echo "# reports benchmark: $kind, $records records"
"$bin" demo-data --records "$records" >/dev/null
# demo-data ends with VACUUM ANALYZE on PostgreSQL (statistics and the visibility map a
# bulk load leaves without), so autovacuum does not run during the measurements.
"$bin" create-admin --email bench-admin@example.org >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
token=$(python3 "$here/scripts/ci-admin-token.py" "$base" "$work/data/outbox" bench-admin@example.org)
auth="Authorization: Bearer $token"
mem() { awk -v k="$1" '$1==k":" {printf "%.1f MB", $2/1024}' "/proc/$server/status"; }

latency() {
  local label=$1 path=$2
  curl -fs -H "$auth" "$base$path" -o /dev/null # warm up
  for _ in $(seq 1 30); do curl -fs -H "$auth" -o /dev/null -w '%{time_total}\n' "$base$path"; done |
    sort -n | awk -v label="$label" '{t[NR]=$1*1000} END {printf "%-36s min %6.1f ms   p50 %6.1f ms   p95 %6.1f ms   max %6.1f ms\n", label, t[1], t[int(NR*0.5)], t[int(NR*0.95)], t[NR]}'
}
latency "dashboard" "/api/v1/reports/dashboard"
latency "dashboard, one LA" "/api/v1/reports/dashboard?responsible_la=E10000028"
latency "dashboard, commissioner, successor" "/api/v1/reports/dashboard?commissioner=icb:QNC&commissioner_view=successor"
if command -v wrk >/dev/null; then
  out=$(wrk -t2 -c8 -d"${DURATION:-10s}" --latency -H "$auth" "$base/api/v1/reports/dashboard")
  printf '%-36s %s req/s   p50 %s   p99 %s (8 connections)\n' "dashboard under load" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
fi

# Private memory (RssAnon) is what the process itself holds. RSS also counts the database
# file's pages that SQLite reads through its memory map (db.rs), once per connection that
# mapped them: that is the kernel's shared, reclaimable file cache, and it grows with the
# database, not with the export. The export's own cost is the rise in private memory, sampled
# every 20 ms while it runs.
anon() { awk '/RssAnon/ {print $2}' "/proc/$server/status"; }
export_run() {
  local format=$1 before sampler peak_anon
  before=$(anon)
  ( peak=0; while kill -0 "$server" 2>/dev/null; do a=$(anon); [ "$a" -gt "$peak" ] && peak=$a && echo "$peak" > "$work/anon.peak"; sleep 0.02; done ) &
  sampler=$!
  read -r secs bytes < <(curl -fs -H "$auth" -o "$work/out.$format" -w '%{time_total} %{size_download}\n' \
    "$base/api/v1/reports/all-records?format=$format")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  peak_anon=$(cat "$work/anon.peak"); rm -f "$work/anon.peak"
  rows=$(( $(python3 -c 'import sys; print(sum(1 for _ in open(sys.argv[1], "rb")))' "$work/out.$format") ))
  printf 'full %-4s export: %6.2f s  %6.1f MB  %7s lines   private memory %6.1f MB before, peak %6.1f MB (+%.1f)\n' \
    "$format" "$secs" "$(echo "$bytes/1048576" | bc -l)" "$rows" "$(echo "$before/1024" | bc -l)" \
    "$(echo "$peak_anon/1024" | bc -l)" "$(echo "($peak_anon-$before)/1024" | bc -l)"
}
echo "server memory before the exports: RSS $(mem VmRSS) (includes the mapped database file), private $(anon) kB"
export_run csv
export_run csv
export_run xlsx
echo "server memory after: RSS $(mem VmRSS), private $(anon) kB"
