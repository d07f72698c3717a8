#!/usr/bin/env python3
"""Signs in as a fresh administrator the way a person would, for CI tools (schemathesis).

Usage: ci-admin-token.py BASE_URL OUTBOX_DIR EMAIL [NEW_PASSWORD]
Reads the one-time password and the PIN from the development mailbox (OUTBOX_DIR/*.eml),
signs in, changes the one-time password, and prints the access token.
"""
import email
import json
import pathlib
import re
import sys
import urllib.request

base, outbox, address = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]


def newest_text(marker):
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        msg = email.message_from_bytes(path.read_bytes())
        if address not in (msg.get("To") or "").lower():
            continue
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_payload(decode=True).decode("utf-8")
                if marker in text:
                    return " ".join(text.split())
    sys.exit(f"no email to {address} containing {marker!r} in {outbox}")


def call(method, path, body, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as res:
        raw = res.read()
        return json.loads(raw) if raw else None


password = re.search(r"one-time password: (\S{16})", newest_text("one-time password:")).group(1)
challenge = call("POST", "/api/v1/auth/login", {"email": address, "password": password})
pin = re.search(r"security code is (\d{6})", newest_text("security code is")).group(1)
token = call("POST", "/api/v1/auth/verify", {"challenge_id": challenge["challenge_id"], "pin": pin})["access_token"]
new_password = sys.argv[4] if len(sys.argv) > 4 else "Ci-Only#Passw0rd-" + pin
call("PUT", "/api/v1/me/password", {"current_password": password, "new_password": new_password}, token)
print(token)
