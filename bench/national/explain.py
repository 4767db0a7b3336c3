"""EXPLAIN (ANALYZE, BUFFERS) of the queries of the main pages and API lists on the national
data set (issue 14 point 3): each page is requested in-process through Django's test client
as one of the known logins (bench/national/out/logins.json), its SQL captured with
CaptureQueriesContext, and every SELECT explained. Per page the slowest query's plan is
written to `plans/NN-name.txt` (with the list of all the page's queries, their time and
whether one reads a big table by a sequential scan); `plans/summary.md` has the table.

    DATABASE_URL=postgres://ck:ck@127.0.0.1:55432/national \
        uv run python bench/national/explain.py [--logins bench/national/out/logins.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# Tables that hold thousands of rows or more in the national set: a Seq Scan on one of them
# in a page's query is a finding.
BIG = {
    "rosters_person",
    "accounts_user",
    "accounts_role",
    "memberships_activationcode",
    "memberships_invitation",
    "memberships_membership",
    "ledger_entry",
    "ledger_line",
    "ledger_account",
    "weborders_weborder",
    "payouts_payoutline",
    "payouts_payoutitem",
    "marketplace_offer",
    "marketplace_offer_disciplines",
    "marketplace_offer_levels",
    "marketplace_offer_themes",
    "marketplace_offer_provinces",
    "marketplace_offer_access",
    "marketplace_offersession",
    "orders_invoice",
    "orders_budgetorder",
}
SEQ = re.compile(r"Seq Scan on (\w+)")
INDEX = re.compile(
    r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", default=str(HERE / "out" / "logins.json"))
    parser.add_argument("--out", default=str(HERE / "plans"))
    args = parser.parse_args()
    from _setup import setup_django

    setup_django()
    from django.conf import settings
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY

    from cultuurkaart.accounts.models import User

    logins = json.loads(Path(args.logins).read_text())
    bh, admin, prov = logins["budget_holder"], logins["admin"], logins["provider"]
    school = bh["school"]
    student = logins["students"][0]

    def client_for(login) -> Client:
        client = Client()
        client.force_login(User.objects.get(pk=login["user"]))
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = login["totp_device"]
        session.save()
        return client

    clients = {"bh": client_for(bh), "admin": client_for(admin), "provider": client_for(prov)}
    clients["anon"] = Client()
    api = {
        "bh": {"Authorization": f"Bearer {bh['api_token']}"},
        "provider": {"Authorization": f"Bearer {prov['api_token']}"},
    }
    pages = [
        ("school-home", "bh", f"/school/{school}/", None),
        ("school-weborders", "bh", f"/school/{school}/webbestellingen/", None),
        ("roster-students", "bh", f"/school/{school}/studenten/", None),
        ("pass-verification", "anon", f"/pas/controle/{student['pass_token']}/", None),
        ("backoffice-weborders", "admin", "/backoffice/webbestellingen/", None),
        ("provider-weborders", "provider", "/aanbieder/weborders/", None),
        ("ledger-transactions", "bh", f"/school/{school}/budget/transacties/", None),
        (
            "marketplace-search",
            "bh",
            f"/api/v1/offers?q=voorstelling&discipline=music&discipline=dance&level=vo-havo"
            f"&province=utrecht&school={school}&within_km=150",
            "bh",
        ),
        ("api-school-weborders", "bh", f"/api/v1/schools/{school}/weborders", "bh"),
        ("api-roster-students", "bh", f"/api/v1/schools/{school}/roster/students", "bh"),
        ("api-transactions", "bh", f"/api/v1/schools/{school}/transactions", "bh"),
        ("api-provider-weborders", "provider", "/api/v1/weborders", "provider"),
        ("sign-in", "anon", "/accounts/login/", None),
    ]
    from django.urls import reverse

    ledger_page = reverse("portals:school_orders_transactions", args=[school])
    pages = [
        (n, who, ledger_page if n == "ledger-transactions" else url, h) for n, who, url, h in pages
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = []
    for number, (name, who, url, headers) in enumerate(pages, start=1):
        client = clients[who]
        kwargs = {"headers": api[headers]} if headers else {}
        if name == "sign-in":  # the password form (POST), a fresh client each time
            form = {"email": student["email"].upper(), "password": logins["password"]}
            Client().post(url, form)
            client = Client()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.post(url, form)
                elapsed = (time.perf_counter() - start) * 1000
        else:
            client.get(url, **kwargs)  # warm caches
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url, **kwargs)
                elapsed = (time.perf_counter() - start) * 1000
        if response.status_code not in (200, 302):
            print(f"{name}: HTTP {response.status_code} {url}")
        explained = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
            seq = sorted({t for t in SEQ.findall(plan) if t in BIG})
            explained.append(
                {"sql": sql, "plan": plan, "ms": ms, "seq": seq, "index": INDEX.findall(plan)}
            )
        if not explained:
            print(f"{name}: no SELECT captured")
            continue
        main_q = max(explained, key=lambda e: e["ms"])
        lines = [
            f"# {name}: {'POST' if name == 'sign-in' else 'GET'} {url} as {who} (HTTP {response.status_code}, "
            f"{elapsed:.1f} ms in-process, {len(captured.captured_queries)} queries)",
            "",
            "## Slowest query",
            "",
            main_q["sql"],
            "",
            main_q["plan"],
            "",
            "## All SELECTs of the page (execution ms, indexes used, seq scans on big tables)",
            "",
        ]
        for e in explained:
            lines.append(
                f"- {e['ms']:.3f} ms; index: {', '.join(dict.fromkeys(e['index'])) or '-'}; "
                f"seq scan on big table: {', '.join(e['seq']) or 'none'}; "
                f"{e['sql'][:160].replace(chr(10), ' ')}"
            )
        (out / f"{number:02d}-{name}.txt").write_text("\n".join(lines) + "\n")
        seqs = sorted({t for e in explained for t in e["seq"]})
        summary.append(
            {
                "n": number,
                "name": name,
                "status": response.status_code,
                "queries": len(captured.captured_queries),
                "page_ms": round(elapsed, 1),
                "slowest_ms": main_q["ms"],
                "sum_ms": round(sum(e["ms"] for e in explained), 3),
                "index": ", ".join(dict.fromkeys(main_q["index"])) or "-",
                "seq": ", ".join(seqs) or "none",
            }
        )
        print(
            f"{number:02d} {name}: HTTP {response.status_code}, {elapsed:.1f} ms, "
            f"{len(captured.captured_queries)} queries, slowest {main_q['ms']:.2f} ms, "
            f"seq scans on big tables: {', '.join(seqs) or 'none'}"
        )
    table = [
        "| # | page / endpoint | HTTP | queries | page ms (in-process) | slowest query ms | "
        "Σ SELECT ms | index of the slowest query | seq scan on a big table |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in summary:
        table.append(
            f"| {row['n']:02d} | {row['name']} | {row['status']} | {row['queries']} | "
            f"{row['page_ms']} | {row['slowest_ms']:.2f} | {row['sum_ms']:.2f} | {row['index']} | "
            f"{row['seq']} |"
        )
    (out / "summary.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
