"""Shared start-up for the benchmark scripts: Django with production-like settings on the
database named by DATABASE_URL (default: a fresh SQLite file in a temporary directory)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TMP = tempfile.mkdtemp(prefix="ck-bench-")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cultuurkaart.conf.settings"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,testserver")

    import django

    django.setup()


def settle() -> None:
    """What the WSGI module does once per server process (decision NS-7): call right before
    measuring, after loading data, so the figures are those of a running server."""
    from cultuurkaart.core import runtime

    runtime.settle()
