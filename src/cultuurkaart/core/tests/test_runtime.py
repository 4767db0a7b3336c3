"""The WSGI start-up freezes the start-up objects out of the garbage collector (NS-7)."""

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[3]

PROBE = """
import gc
import cultuurkaart.conf.wsgi  # noqa: F401 (the server's start-up)
frozen = gc.get_freeze_count()


class Node:
    pass


a, b = Node(), Node()
a.other, b.other = b, a  # a cycle made after start-up
del a, b
print(frozen, gc.collect())
"""


def test_wsgi_start_up_freezes_and_later_garbage_is_still_collected(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "cultuurkaart.conf.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "DEBUG": "0",
        "SECRET_KEY": "test-runtime-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789",
        "ALLOWED_HOSTS": "localhost",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    frozen, collected = map(int, done.stdout.split()[-2:])
    # the URL configuration (views, API schemas) is loaded and frozen: tens of thousands
    assert frozen > 50_000
    # the cycle made after start-up is still found by the collector
    assert collected >= 2
