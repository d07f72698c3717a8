#!/usr/bin/env python3
"""Time to create a record (issue 7): POST /api/v1/records n times, one after another.
Usage: create_record.py BASE_URL TOKEN [n]"""
import json, statistics, sys, time, urllib.request

base, token = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 50


def nhs(i):
    while True:
        nine = f"998{i:06d}"
        s = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
        c = 11 - s % 11
        if c != 10:
            return nine + str(0 if c == 11 else c)
        i += 1000


times = []
for i in range(n):
    body = {"nhs_number": nhs(i), "first_name": "Bench", "family_name": f"Person{i}", "date_of_birth": "1980-02-13",
            "gender": "2", "postcode": "ST16 3SR", "learning_disability": "no",
            "episode": {"date_detained": "2025-01-06", "qualifying_section": "s3", "s117_start_date": "2025-03-01",
                        "responsible_la": "E10000028", "responsible_commissioner": "sicbl:05V", "gp_out_of_county": False}}
    req = urllib.request.Request(base + "/api/v1/records", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as res:
        assert res.status == 201
    times.append((time.perf_counter() - t) * 1000)
print(f"create a record: p50 {statistics.median(times):.1f} ms, max {max(times):.1f} ms (n={n})")
