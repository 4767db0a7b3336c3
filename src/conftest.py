"""Shared pytest fixtures: API clients with tokens, people with roles."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.schools.tests.factories import SchoolFactory


class ApiClient:
    """A JSON client for /api/v1 that authenticates with a personal token."""

    def __init__(self, user=None, clock: str | None = None):
        self.client = Client()
        self.headers: dict[str, str] = {}
        self.user = user
        if user is not None:
            _, raw = accounts.create_api_token(user, name="test")
            self.headers["Authorization"] = f"Bearer {raw}"
        if clock:
            self.headers["X-Clock"] = clock

    def _call(self, method, path, data=None, headers=None, **kwargs):
        url = path if path.startswith("/api/") else "/api/v1" + path
        all_headers = {**self.headers, **(headers or {})}
        if data is not None and "content_type" not in kwargs and method not in ("get",):
            kwargs["content_type"] = "application/json"
            data = json.dumps(data)
        return getattr(self.client, method)(url, data=data, headers=all_headers, **kwargs)

    def get(self, path, data=None, **kw):
        return self._call("get", path, data, **kw)

    def post(self, path, data=None, **kw):
        return self._call("post", path, data if data is not None else {}, **kw)

    def put(self, path, data=None, **kw):
        return self._call("put", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self._call("patch", path, data, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, None, **kw)


@pytest.fixture
def api_as():
    """api_as(user, clock=None) → ApiClient authenticated as `user` (None = anonymous)."""
    return ApiClient


@pytest.fixture
def admin(db):
    return with_role(UserFactory(), RoleName.ADMIN)


@pytest.fixture
def school(db):
    return SchoolFactory()


@pytest.fixture
def budget_holder(school):
    return with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)


@pytest.fixture
def admin_api(admin):
    return ApiClient(admin)


@pytest.fixture
def bh_api(budget_holder):
    return ApiClient(budget_holder)
