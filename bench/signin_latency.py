#!/usr/bin/env python3
"""Times the two sign-in steps 20 times each (sequentially) and prints p50/max in ms."""
import email, json, pathlib, re, statistics, sys, time, urllib.request

base, outbox, address, password = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]


def post(path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as res:
        out = json.loads(res.read())
    return out, (time.perf_counter() - t) * 1000


def newest_pin():
    newest = max(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    for part in email.message_from_bytes(newest.read_bytes()).walk():
        if part.get_content_type() == "text/plain":
            text = " ".join(part.get_payload(decode=True).decode().split())
            return re.search(r"security code is (\d{6})", text).group(1)


password_ms, pin_ms = [], []
for _ in range(20):
    challenge, ms = post("/api/v1/auth/login", {"email": address, "password": password})
    password_ms.append(ms)
    _, ms = post("/api/v1/auth/verify", {"challenge_id": challenge["challenge_id"], "pin": newest_pin()})
    pin_ms.append(ms)
    time.sleep(0.05)
for name, xs in [("password step (argon2 + PIN email)", password_ms), ("PIN step (verify + session)", pin_ms)]:
    print(f"{name}: p50 {statistics.median(xs):.1f} ms, max {max(xs):.1f} ms (n={len(xs)})")
