"""The load mix of issue 14 point 2 (run by run.py; see README.md).

`MixUser`: budget holders' pages and API lists, a provider's and the back office's API lists,
the pass and its public verification page, the public activation, web-order approvals,
marketplace searches (page and API, Dutch words), and the bare view that the figures are
divided by. `ApproveUser`: only approvals, to measure how many the server can do per second.

The fixture (LOAD_FIXTURE, written by prepare.py) holds sessions, tokens, one-use activation
codes and pending web orders; every approval takes a web order nobody else approves, every
activation a code nobody else uses. Requests carry `X-Forwarded-Proto: https` as the
TLS-terminating proxy of docs/deployment.md would (production settings redirect plain HTTP).
"""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, task

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"], encoding="utf-8").read())  # noqa: SIM115
SCHOOLS = FIXTURE["schools"]
PROVIDERS = FIXTURE["providers"]
MEMBERS = FIXTURE["members"]
SEARCHES = FIXTURE["searches"]
PENDING = iter(FIXTURE["pending"])
CODES = iter(FIXTURE["codes"])
SERIAL = itertools.count()
PROXY = {"X-Forwarded-Proto": "https"}


class Base(HttpUser):
    abstract = True

    def _get(self, url: str, name: str, *, session: str | None = None, token: str | None = None):
        headers = dict(PROXY)
        if session:
            headers["Cookie"] = f"sessionid={session}"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Sessions and tokens are sent explicitly; nothing carries over between requests.
        self.client.cookies.clear()
        with self.client.get(
            url, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]!r}")

    def _approve(self) -> None:
        item = next(PENDING, None)
        if item is None:  # the fixture ran out: no request, so no false error
            return
        self.client.cookies.clear()
        with self.client.post(
            f"/api/v1/weborders/{item['id']}/approve",
            name="approve web order (API)",
            headers={**PROXY, "Authorization": f"Bearer {item['token']}"},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]!r}")


class MixUser(Base):
    wait_time = between(0.0, float(os.environ.get("LOAD_WAIT", "0.5")))

    def on_start(self) -> None:
        self.rng = random.Random(next(SERIAL))

    def school(self) -> dict:
        return self.rng.choice(SCHOOLS)

    # --- the floor ---------------------------------------------------------------------------
    @task(10)
    def bare(self):
        self._get("/__bare__/", "bare view")

    # --- budget holder's pages ---------------------------------------------------------------
    @task(5)
    def school_home(self):
        s = self.school()
        self._get(f"/school/{s['id']}/", "page school home", session=s["session"])

    @task(5)
    def weborders_page(self):
        s = self.school()
        self._get(
            f"/school/{s['id']}/webbestellingen/", "page school web orders", session=s["session"]
        )

    @task(5)
    def budget_page(self):
        s = self.school()
        self._get(f"/school/{s['id']}/budget/", "page budget/ledger", session=s["session"])

    @task(5)
    def roster_page(self):
        s = self.school()
        self._get(f"/school/{s['id']}/studenten/", "page roster list", session=s["session"])

    # --- API lists ---------------------------------------------------------------------------
    @task(8)
    def api_school_weborders(self):
        s = self.school()
        self._get(f"/api/v1/schools/{s['id']}/weborders", "API school web orders", token=s["token"])

    @task(6)
    def api_provider_weborders(self):
        p = self.rng.choice(PROVIDERS)
        self._get("/api/v1/weborders", "API provider web orders", token=p["token"])

    @task(3)
    def api_admin_worklist(self):
        self._get("/api/v1/admin/weborders", "API admin worklist", token=FIXTURE["admin_token"])

    # --- the pass ----------------------------------------------------------------------------
    @task(8)
    def pass_page(self):
        m = self.rng.choice(MEMBERS)
        self._get("/mijn-pas/", "page pass", session=m["session"])

    @task(8)
    def verify_page(self):
        m = self.rng.choice(MEMBERS)
        self._get(f"/pas/controle/{m['pass']}/", "page pass verification (public)")

    # --- activation (public) -----------------------------------------------------------------
    @task(3)
    def activation_page(self):
        self._get("/activeren/", "page activation (public)")

    @task(3)
    def activate(self):
        item = next(CODES, None)
        if item is None:
            return
        n = next(SERIAL)
        self.client.cookies.clear()
        with self.client.post(
            "/api/v1/activations",
            name="activation (API, public)",
            headers=PROXY,
            json={
                "code": item["code"],
                "first_name": item["first_name"],
                "last_name": item["last_name"],
                "birth_date": "2008-03-14",
                "email": f"activated-{n}-{os.getpid()}-{item['code'][-4:]}@leerling.example",
                "password": "een-lang-wachtwoord-2026",
                "accept_terms": True,
                "parents_informed": True,
            },
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]!r}")

    # --- approvals ---------------------------------------------------------------------------
    @task(5)
    def approve(self):
        self._approve()

    # --- marketplace -------------------------------------------------------------------------
    @task(4)
    def search_page(self):
        s = self.school()
        q = self.rng.choice(SEARCHES)
        self._get(
            f"/school/{s['id']}/aanbod/?q={q}", "page marketplace search", session=s["session"]
        )

    @task(6)
    def search_api(self):
        s = self.school()
        q = self.rng.choice(SEARCHES)
        self._get(
            f"/api/v1/offers?q={q}&school={s['id']}", "API marketplace search", token=s["token"]
        )


class ApproveUser(Base):
    """Only approvals, back to back, with the bare view now and then as the floor."""

    wait_time = between(0.0, 0.05)

    @task(10)
    def approve(self):
        self._approve()

    @task(1)
    def bare(self):
        self._get("/__bare__/", "bare view")
