"""Export of a portfolio with 500 items and 200 MB of media (issue 12, point 8).

Target: ≤ 20 s for the background build (`dossier_transfer.services.exports.build_export`:
the zip with index.html, media and manifest.json streamed into a temporary file and saved to
the default storage), with peak memory ≤ 300 MB. The build runs in a child process so its
peak resident set size (`ru_maxrss` of the child, Django included) is measured alone; the
data (one portfolio, 500 items, 100 media files of 2 MB random bytes, so nothing compresses)
is made by the parent. Then the zip is verified as an import would (`archive.open_verified`:
signature, size and sha256 of every file), also in a child, timed and measured the same way.

Usage (from the repository root):
    uv run python bench/dossier_export.py [ITEMS] [MEDIA_MB]
    DATABASE_URL=postgres://ck:ck@/ck3?host=/tmp&port=55432 uv run python bench/dossier_export.py
The database named by DATABASE_URL is migrated and filled; use a scratch database. Media go
to a temporary directory (FileSystemStorage, as the embedded default).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import TMP, setup_django

os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
MEDIA = os.environ.setdefault("CK_BENCH_MEDIA", tempfile.mkdtemp(prefix="ck-bench-media-"))
setup_django()

from django.test.utils import override_settings  # noqa: E402

override_settings(
    MEDIA_ROOT=MEDIA,
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
).enable()

FILE_MB = 2


def make_data(n_items: int, media_mb: int) -> int:
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from cultuurkaart.accounts.models import User
    from cultuurkaart.dossier.models import Item, Media, Portfolio
    from cultuurkaart.dossier_transfer.models import PortfolioExport

    tag = str(int(time.time() * 1000))
    user = User.objects.create_user(email=f"bench-{tag}@example.org", password=None)
    portfolio = Portfolio.objects.create(owner=user)
    types = ["post", "visit", "learning_question", "reflection", "product", "media"]
    items = Item.objects.bulk_create(
        Item(
            portfolio=portfolio,
            type=types[i % len(types)],
            title=f"Onderdeel {i}: bezoek, reflectie en werk",
            body="<p>" + ("Ik zag een voorstelling en dacht na over wat ik zag. " * 8) + "</p>",
            occurred_on=dt.date(2023, 9, 1) + dt.timedelta(days=i % 600),
            reflecteren=i % 4,
            onderzoeken=(i + 1) % 4,
            creeren=(i + 2) % 4,
            lq_status="open" if types[i % len(types)] == "learning_question" else "",
            prompt="Wat heb je geleerd?" if types[i % len(types)] == "reflection" else "",
        )
        for i in range(n_items)
    )
    n_media = media_mb // FILE_MB
    for k in range(n_media):
        data = os.urandom(FILE_MB * 1024 * 1024)
        name = default_storage.save(f"dossier/bench/{tag}-{k}.mp4", ContentFile(data))
        Media.objects.create(
            portfolio=portfolio,
            item=items[(k * 5) % len(items)],
            kind="video",
            content_type="video/mp4",
            size=len(data),
            sha256="",
            file=name,
        )
    return PortfolioExport.objects.create(portfolio=portfolio, user=user).pk


def child_build(export_id: int) -> None:
    from cultuurkaart.dossier_transfer.models import PortfolioExport
    from cultuurkaart.dossier_transfer.services.exports import build_export

    start = time.perf_counter()
    build_export(export_id)
    seconds = time.perf_counter() - start
    export = PortfolioExport.objects.get(pk=export_id)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak,
                "status": export.status,
                "items": export.items,
                "media": export.media,
                "size_mb": export.size / 1024 / 1024,
                "file": export.file,
            }
        )
    )


def child_verify(name: str) -> None:
    from django.core.files.storage import default_storage

    from cultuurkaart.dossier_transfer.services import archive

    start = time.perf_counter()
    with default_storage.open(name, "rb") as handle:
        _, manifest, _ = archive.open_verified(handle)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "files": len(manifest["files"])}))


def _child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(n_items: int, media_mb: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    export_id = make_data(n_items, media_mb)
    print(f"data: {n_items} items, {media_mb} MB media in {time.perf_counter() - start:.1f} s")
    built = _child("--build", str(export_id))
    print(
        f"export build: {built['seconds']:.2f} s (target ≤ 20 s), peak RSS {built['peak_mb']:.0f}"
        f" MB (target ≤ 300 MB); {built['items']} items, {built['media']} media,"
        f" zip {built['size_mb']:.1f} MB, status {built['status']}"
    )
    checked = _child("--verify", built["file"])
    print(
        f"import verification (signature, size and sha256 of {checked['files']} files):"
        f" {checked['seconds']:.2f} s, peak RSS {checked['peak_mb']:.0f} MB"
    )
    ok = built["status"] == "done" and built["seconds"] <= 20 and built["peak_mb"] <= 300
    print("PASS" if ok else "FAIL")
    shutil.rmtree(MEDIA, ignore_errors=True)  # 400 MB of media and zip in the temp directory


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--build":
        child_build(int(sys.argv[2]))
    elif len(sys.argv) > 2 and sys.argv[1] == "--verify":
        child_verify(sys.argv[2])
    else:
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 500,
            int(sys.argv[2]) if len(sys.argv) > 2 else 200,
        )
