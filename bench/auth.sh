#!/usr/bin/env bash
# Sign-in figures (issue 3) from the real server with development mail: start-up time and
# idle memory, latency of the password step and of the PIN step, and the cost of
# authentication per request (wrk on /api/v1/me, which checks the JWT and the session, beside
# /health, which checks nothing, in the same run).
# Usage: bench/auth.sh   (needs wrk; S117_BIN defaults to the release build)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${S117_BIN:-${CARGO_TARGET_DIR:-$here/target}/release/s117}
[ -x "$bin" ] || (cd "$here" && cargo build --release -q -p s117-api --bin s117)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export S117_LISTEN=127.0.0.1:$port S117_DATA_DIR=$work/data S117_DATABASE_URL=sqlite://$work/data/s117.db
export S117_WEB_DIR=$work/web RUST_LOG=warn S117_LOGIN_LIMIT_PER_IP=100000 S117_LOGIN_LIMIT_PER_ACCOUNT=100000 S117_PIN_EMAIL_LIMIT=100000
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" create-admin --email bench-admin@example.org >/dev/null
started=$(date +%s%N)
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.01; done
echo "start-up to first /health answer: $(( ($(date +%s%N) - started) / 1000000 )) ms"
echo "idle memory (RSS): $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status)"
base="http://127.0.0.1:$port"
password='Tide-Harbour#2026x'
token=$(python3 "$here/scripts/ci-admin-token.py" "$base" "$work/data/outbox" bench-admin@example.org "$password")
python3 "$here/bench/signin_latency.py" "$base" "$work/data/outbox" bench-admin@example.org "$password"
for path in /health /api/v1/me; do
  out=$(wrk -t2 -c32 -d"${DURATION:-10s}" --latency -H "Authorization: Bearer $token" "$base$path")
  printf '%-12s %10s req/s   p50 %8s   p99 %8s\n' "$path" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
done
