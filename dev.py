#!/usr/bin/env python3
"""Set-up commands for a fresh machine that has only Python 3.11+.

    python3 dev.py run    install, migrate the embedded SQLite database, load demo data,
                          serve on http://127.0.0.1:8000 and print the demo logins
    python3 dev.py test   run the whole test suite

uv is installed with pip when it is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    print("uv not found; installing it with pip ...", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--user", "--quiet", "uv"], check=True)
    candidates = [
        Path(sysconfig.get_path("scripts", f"{os.name}_user")) / "uv",
        Path(sysconfig.get_path("scripts")) / "uv",
        Path.home() / ".local" / "bin" / "uv",
    ]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("uv")
    if found:
        return found
    sys.exit("Could not find uv after installing it; add pip's script directory to PATH.")


def run(*args: str) -> None:
    result = subprocess.run(list(args), cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    extra = sys.argv[2:]
    if command == "run":
        tool = uv()
        run(tool, "sync", "--frozen")
        run(tool, "run", "python", "manage.py", "migrate", "--noinput")
        run(tool, "run", "python", "manage.py", "seed_demo")
        print("\nServing on http://127.0.0.1:8000  (Ctrl+C stops)\n", flush=True)
        run(tool, "run", "python", "manage.py", "runserver", "127.0.0.1:8000", *extra)
    elif command == "test":
        tool = uv()
        run(tool, "sync", "--frozen")
        run(tool, "run", "pytest", *extra)
    else:
        print(__doc__)
        sys.exit(0 if command == "help" else 2)


if __name__ == "__main__":
    main()
