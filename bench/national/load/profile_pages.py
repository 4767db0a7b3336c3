"""Where the time of each GET of the load mix goes: in-process (Django's test client, the
server's settings), per endpoint the median of a few warm requests, the number of SQL
queries and their summed time, and a cProfile of one request with the project's own
functions that cost most (cumulative), as file:line.

    LOAD_DB=load_national uv run python bench/national/load/profile_pages.py \
        bench/out/load/fixture.json [--top 8]

(the environment of run.py's server; use the fixture of a run made with --keep, within 30
minutes: the budget holders' sessions end after 30 idle minutes.)
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(HERE), str(ROOT / "src")]

import os  # noqa: E402

# The server's environment (run.py), on the database named by LOAD_DB; the cache is local.
if "LOAD_DB" in os.environ:
    from run import server_env

    env = server_env(os.environ["LOAD_DB"], 0)
    env.pop("REDIS_URL")
    env["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ.update(env)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# Wrappers every request passes through (they would fill the top of every list).
SKIP = ("core/middleware.py", "accounts/middleware.py", "portals/access.py")


def endpoints(f: dict) -> list[tuple[str, str, dict]]:
    s, m, p = f["schools"][0], f["members"][0], f["providers"][0]
    cookie = {"HTTP_COOKIE": f"sessionid={s['session']}"}
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {s['token']}"}
    sid = s["id"]
    return [
        ("bare view", "/__bare__/", {}),
        ("page school home", f"/school/{sid}/", cookie),
        ("page school web orders", f"/school/{sid}/webbestellingen/", cookie),
        ("page budget/ledger", f"/school/{sid}/budget/", cookie),
        ("page roster list", f"/school/{sid}/studenten/", cookie),
        ("API school web orders", f"/api/v1/schools/{sid}/weborders", bearer),
        (
            "API provider web orders",
            "/api/v1/weborders",
            {"HTTP_AUTHORIZATION": f"Bearer {p['token']}"},
        ),
        (
            "API admin worklist",
            "/api/v1/admin/weborders",
            {"HTTP_AUTHORIZATION": f"Bearer {f['admin_token']}"},
        ),
        ("page pass", "/mijn-pas/", {"HTTP_COOKIE": f"sessionid={m['session']}"}),
        ("page pass verification (public)", f"/pas/controle/{m['pass']}/", {}),
        ("page activation (public)", "/activeren/", {}),
        ("page marketplace search", f"/school/{sid}/aanbod/?q=theater", cookie),
        ("API marketplace search", f"/api/v1/offers?q=theater&school={sid}", bearer),
    ]


def writes(f: dict) -> list[tuple[str, str, dict, dict]]:
    """The two writes of the mix, each on a fresh item from the end of the fixture's lists
    (a run's locust phases take theirs from the front)."""
    pending, codes = list(reversed(f["pending"])), list(reversed(f["codes"]))
    out = []
    for n in range(2):
        item = pending[n]
        out.append(
            (
                "approve web order (API)",
                f"/api/v1/weborders/{item['id']}/approve",
                {"HTTP_AUTHORIZATION": f"Bearer {item['token']}"},
                {},
            )
        )
        code = codes[n]
        out.append(
            (
                "activation (API, public)",
                "/api/v1/activations",
                {},
                {
                    "code": code["code"],
                    "first_name": code["first_name"],
                    "last_name": code["last_name"],
                    "birth_date": "2008-03-14",
                    "email": f"profile-{code['code'][-6:]}@leerling.example",
                    "password": "een-lang-wachtwoord-2026",
                    "accept_terms": True,
                    "parents_informed": True,
                },
            )
        )
    return out


def profile_writes(client, f: dict, top: int) -> None:
    """Each write once with queries counted (the first of each kind), once profiled."""
    for i, (name, url, headers, body) in enumerate(writes(f)):
        profile = cProfile.Profile() if i >= 2 else None
        with CaptureQueriesContext(connection) as captured:
            if profile:
                profile.enable()
            start = time.perf_counter()
            response = client.post(url, body, content_type="application/json", **headers)
            ms = (time.perf_counter() - start) * 1000
            if profile:
                profile.disable()
        assert response.status_code in (200, 201), (name, response.status_code, response.content)
        queries = list(captured.captured_queries)
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        print(
            f"\n## {name} ({'profiled' if profile else 'plain'})\n{ms:.1f} ms, "
            f"{len(queries)} queries, SQL {sql_ms:.1f} ms"
        )
        if profile:
            show(profile, top)


def show(profile, top: int) -> None:
    stats = pstats.Stats(profile)
    own, other = [], []
    for (file, line, func), (_cc, _nc, tt, ct, _callers) in stats.stats.items():
        if "/cultuurkaart/" in file and not file.endswith(SKIP):
            own.append((ct, tt, f"{file.split('/src/')[-1]}:{line} {func}"))
        elif "/cultuurkaart/" not in file:
            short = file.split("site-packages/")[-1].split("/lib/python3.11/")[-1]
            other.append((tt, ct, f"{short}:{line} {func}"))
    print("  project code, by cumulative time (profiler overhead included):")
    for ct, tt, where in sorted(own, reverse=True)[:top]:
        print(f"  {ct * 1000:7.1f} ms cum {tt * 1000:6.1f} ms own  {where}")
    print("  anything, by own time:")
    for tt, ct, where in sorted(other, reverse=True)[:5]:
        print(f"  {tt * 1000:7.1f} ms own {ct * 1000:6.1f} ms cum  {where}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("fixture", type=Path)
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--writes", action="store_true", help="also two approvals and two activations"
    )
    args = parser.parse_args()
    fixture = json.loads(args.fixture.read_text())
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    print(f"database {connection.settings_dict['NAME']}")
    for name, url, headers in endpoints(fixture):
        client.cookies.clear()
        response = client.get(url, **headers)
        assert response.status_code == 200, (name, response.status_code)
        times = []
        for _ in range(args.runs):
            client.cookies.clear()
            start = time.perf_counter()
            client.get(url, **headers)
            times.append((time.perf_counter() - start) * 1000)
        client.cookies.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(url, **headers)
        queries = list(captured.captured_queries)
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        slowest = sorted(queries, key=lambda q: -float(q["time"]))[:2]
        profile = cProfile.Profile()
        client.cookies.clear()
        profile.enable()
        client.get(url, **headers)
        profile.disable()
        print(
            f"\n## {name}  {url.split('?')[0]}\nmedian {statistics.median(times):.1f} ms, "
            f"{len(queries)} queries, SQL {sql_ms:.1f} ms"
        )
        for q in slowest:
            print(f"  slowest SQL {float(q['time']) * 1000:.1f} ms: {q['sql'][:220]}")
        show(profile, args.top)
    if args.writes:
        profile_writes(client, fixture, args.top)


if __name__ == "__main__":
    main()
