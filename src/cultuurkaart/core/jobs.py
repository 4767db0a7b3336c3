"""Scheduled jobs that also run on demand (API.md "Jobs").

A job is a function `(params: dict) -> dict` registered with `@job("name")` in an app's
`jobs.py`; it reads the time from `core.clock` (so `--now` / `X-Clock` apply) and must
be idempotent. `run_job NAME --now ...` and `POST /api/v1/admin/jobs/{name}` call `run()`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.apps import apps

from .errors import NotFound

JobFunc = Callable[[dict[str, Any]], dict[str, Any]]
_registry: dict[str, JobFunc] = {}
_discovered = False


def job(name: str) -> Callable[[JobFunc], JobFunc]:
    def register(func: JobFunc) -> JobFunc:
        _registry[name] = func
        return func

    return register


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if config.name.startswith("cultuurkaart."):
            try:
                importlib.import_module(f"{config.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.jobs":
                    raise
    _discovered = True


def names() -> list[str]:
    _discover()
    return sorted(_registry)


def run(name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    _discover()
    func = _registry.get(name)
    if func is None:
        raise NotFound(f"No job named {name}.", type="unknown-job")
    return func(params or {})
