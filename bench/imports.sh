#!/usr/bin/env bash
# CSV bulk upload benchmark (issue 4): check and process of an N-row file (default 100,000
# new people) against the real server, beside the floor of loading the same file into a bare
# table with `sqlite3 .import` and `psql \copy`. Prints seconds for each and the server's
# peak memory (VmHWM), which shows whether the parse is streamed.
#
# Usage: bench/imports.sh [sqlite|postgres] [rows]
# Env: S117_BIN (default: release build in $CARGO_TARGET_DIR or target/).
set -euo pipefail
kind=${1:-sqlite}
rows=${2:-100000}
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

# The file: valid 999-range NHS numbers (Modulus 11), one new person per row.
python3 - "$rows" "$work/upload.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", newline="") as f:
    f.write("NHS Number,System ID,First Name,Family Name,Date of Birth,Gender,Ethnicity,Postcode,Learning Disability,GP Practice,GP Out of County,Responsible Local Authority,Responsible Clinical Commissioner,Place Detained,Date Detained,S117 Start Date,S117 Qualifying Section,S117 End Date,End Reason\r\n")
    made, n = 0, 0
    while made < rows:
        n += 1
        nine = f"999{n:06d}"
        c = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1))) % 11
        if c == 10:
            continue
        c = 0 if c == 11 else c
        made += 1
        f.write(f"{nine}{c},B{made},Bulk,Person{made},10/03/1992,2,A,ST4 2DN,No,Hanley Surgery,No,Stoke-on-Trent,sicbl:05W,harplands,06/01/2025,01/03/2025,s3,,\r\n")
PY
size=$(stat -c %s "$work/upload.csv")
echo "# imports benchmark: $kind, $rows rows ($((size / 1024)) KB)"

mkdir -p "$work/data"
"$bin" create-admin --email bench-admin@example.org >/dev/null
S117_MAX_UPLOAD_MB=50 "$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
token=$(python3 "$here/scripts/ci-admin-token.py" "http://127.0.0.1:$port" "$work/data/outbox" bench-admin@example.org)
base="http://127.0.0.1:$port"

start=$(date +%s.%N)
report=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' \
  --data-binary "@$work/upload.csv" "$base/api/v1/imports?file_name=upload.csv")
check=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
id=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["id"]); print(r["counts"], file=sys.stderr)' "$report")
start=$(date +%s.%N)
curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $token" "$base/api/v1/imports/$id/process"
process=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
peak=$(awk '/VmHWM/ {print $2, $3}' "/proc/$server/status")
printf '%-44s %8s s\n' "check (upload + classify $rows rows)" "$check"
printf '%-44s %8s s\n' "process (apply $rows rows, audited)" "$process"
echo "server peak memory (VmHWM): $peak"

# The floor: the same file into a bare table, nothing checked.
tail -n +2 "$work/upload.csv" > "$work/body.csv"
cols="nhs,sid,first,family,dob,gender,eth,postcode,ld,gp,gpo,la,comm,place,detained,start,section,enddate,reason"
if [ "$kind" = postgres ]; then
  psql -q -h 127.0.0.1 -U postgres -d "$db_name" -c "CREATE TABLE bare ($(sed 's/,/ TEXT,/g' <<<"$cols") TEXT)" >/dev/null
  start=$(date +%s.%N)
  psql -q -h 127.0.0.1 -U postgres -d "$db_name" -c "\\copy bare FROM '$work/body.csv' WITH (FORMAT csv)" >/dev/null
  floor=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
  printf '%-44s %8s s\n' "floor: psql \\copy into a bare table" "$floor"
else
  start=$(date +%s.%N)
  sqlite3 "$work/floor.db" "CREATE TABLE bare ($(sed 's/,/ TEXT,/g' <<<"$cols") TEXT);" ".mode csv" ".import $work/body.csv bare"
  floor=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
  printf '%-44s %8s s\n' "floor: sqlite3 .import into a bare table" "$floor"
fi
