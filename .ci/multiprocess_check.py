"""The checks of .ci/multiprocess.sh, against two live web processes (see there)."""

from __future__ import annotations

import concurrent.futures
import json
import os
import sys
import time
import urllib.error
import urllib.request

PORTS = os.environ["CK_PORTS"].split()
TOKEN = open(os.environ["CK_TOKEN_FILE"]).read().strip()  # noqa: SIM115


def call(port, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1{path}", data=data, method=method
    )
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), error.headers


def check(condition, text):
    print(("ok    " if condition else "FAIL  ") + text, flush=True)
    if not condition:
        sys.exit(1)


def wait_for_servers():
    deadline = time.monotonic() + 300
    for port in PORTS:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"the web process on {port} did not start")
                time.sleep(0.5)


def main():
    wait_for_servers()
    auth = {"Authorization": f"Bearer {TOKEN}"}

    # 1. The rate limit on failed sign-ins of one account, over both processes; a new
    # X-Forwarded-For per request (from an untrusted client) does not reset it.
    statuses = []
    for i in range(12):
        status, _body, _h = call(
            PORTS[i % 2],
            "POST",
            "/auth/token",
            {"email": os.environ["CK_ADMIN_EMAIL"], "password": f"wrong-{i}", "name": "x"},
            {"X-Forwarded-For": f"198.51.100.{i}"},
        )
        statuses.append(status)
    first_429 = statuses.index(429) if 429 in statuses else None
    check(first_429 == 10, f"the 11th failure over two processes is refused: {statuses}")
    check(set(statuses[10:]) == {429}, "and every one after it, on both processes")

    # 2. One Idempotency-Key, sent to both processes at the same moment: one batch.
    key = {"Idempotency-Key": f"mp-{time.time()}"}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda port: call(port, "POST", "/admin/payouts", {}, auth | key), PORTS * 2)
        )
    codes = [status for status, _b, _h in answers]
    ids = {body["id"] for status, body, _h in answers if status == 201}
    check(codes == [201] * 4, f"four answers of 201 over two processes: {codes}")
    check(len(ids) == 1, f"all of them the same batch: {sorted(ids)}")
    again = call(PORTS[0], "POST", "/admin/payouts", {}, auth)
    check(again[0] == 409, "without the key a second batch finds nothing to pay (409)")

    # 3. A token made through one process works on the other (shared database).
    status, body, _h = call(PORTS[0], "GET", "/me", None, auth)
    status_b, body_b, _h = call(PORTS[1], "GET", "/me", None, auth)
    check(status == status_b == 200 and body == body_b, "the same caller on both processes")


if __name__ == "__main__":
    main()
