"""One's own API tokens: the same number of queries for 1 and 50 tokens (issue 14, point 3;
inventory in docs/query-counts.md)."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts import services
from cultuurkaart.accounts.tests.factories import admin_user
from cultuurkaart.core.tests.querycount import assert_flat, page_client

pytestmark = pytest.mark.django_db


def test_token_page():
    user = admin_user()
    client = page_client(user)

    def add(n):
        for i in range(n):
            services.create_api_token(user, name=f"t{i}")

    assert_flat(add, lambda: client.get("/account/sleutels/"))


def test_api_my_tokens(api_as):
    user = admin_user()
    api = api_as(user)

    def add(n):
        for i in range(n):
            services.create_api_token(user, name=f"t{i}")

    assert_flat(add, lambda: api.get("/me/tokens"))
