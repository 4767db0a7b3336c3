"""Helpers for the query-count tests of list pages and list endpoints (issue 14, point 3).

Each test measures one request with 1 row and again with 50 rows and asserts the *same*
number of queries: a list must not run a query per row (N+1). The request is made once before
measuring, so first-use caches (session, permissions, content types) do not count.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

FEW = 1
MANY = 50


def count_queries(fetch: Callable[[], object], *, status: int = 200):
    """Run `fetch` (a request) once to warm caches, then again while counting queries."""
    fetch()
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    code = getattr(response, "status_code", status)
    assert code == status, (
        f"expected {status}, got {code}: {getattr(response, 'content', b'')[:300]!r}"
    )
    return response, [q["sql"] for q in captured.captured_queries]


def _shape(sql: str) -> str:
    """The query without its literals, so that the same query with other values matches."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def _explain(few: list[str], many: list[str]) -> str:
    grown = Counter(map(_shape, many)) - Counter(map(_shape, few))
    top = "\n".join(f"  +{n} x {sql[:240]}" for sql, n in grown.most_common(5))
    return f"{len(few)} queries with {FEW} row, {len(many)} with {MANY} rows; extra:\n{top}"


def shown(response) -> int:
    """How many rows a response lists: the `items`/`results` of a JSON list, or the length
    of a bare JSON list; for HTML, the number of table body rows."""
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        if isinstance(data, dict):
            for key in ("items", "results", "data"):
                if isinstance(data.get(key), list):
                    return len(data[key])
            return len(data)
        return len(data)
    return response.content.decode().count("<tr")


def assert_flat(
    add_rows: Callable[[int], object],
    fetch: Callable[[], object],
    *,
    status: int = 200,
    rows: Callable[[object], int] | None = shown,
) -> int:
    """add_rows(n) adds n rows to the list; fetch() requests it. With 1 row and with 50 rows
    the request takes the same number of queries. `rows(response)` counts the rows shown and
    must grow, so that the test cannot pass on an empty list."""
    add_rows(FEW)
    response, few_sql = count_queries(fetch, status=status)
    shown_few = rows(response) if rows else None
    add_rows(MANY - FEW)
    response, many_sql = count_queries(fetch, status=status)
    if rows:
        assert rows(response) > shown_few, f"the list did not grow ({shown_few} rows shown)"
    assert len(many_sql) == len(few_sql), _explain(few_sql, many_sql)
    return len(few_sql)


def page_client(user):
    """A browser client signed in as `user`, two-factor verified where the role needs it."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from cultuurkaart.accounts.tests.factories import totp_device

    client = Client()
    client.force_login(user)
    if user.requires_two_factor():
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def occurrences(marker: str) -> Callable[[object], int]:
    """rows= for pages that list cards rather than table rows: how often `marker` occurs."""
    return lambda response: response.content.decode().count(marker)
