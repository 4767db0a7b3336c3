"""The export format (docs/dossier-transfer.md): a zip with `index.html` (works offline),
`media/…` and `manifest.json` (items, competencies, learning questions, reflections,
released feedback and a sha256 per file), plus `manifest.sig`, the platform's signature of
the manifest's sha256. Both the export and the import read this module."""

from __future__ import annotations

import hashlib
import json
import zipfile
from typing import IO

from django.core import signing

from ..constants import FORMAT, FORMAT_VERSION, INDEX, MANIFEST, MEDIA_DIR, SIGNATURE, STYLE
from ..exceptions import TamperedExport, UnreadableExport

SIGN_SALT = "cultuurkaart.dossier_transfer.manifest"
CHUNK = 1024 * 1024
MAX_ENTRIES = 20_000
MAX_MANIFEST_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 5 * 1024 * 1024 * 1024

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/quicktime": "mov",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/mp4": "m4a",
    "application/pdf": "pdf",
}


def extension(content_type: str) -> str:
    return EXTENSIONS.get((content_type or "").lower(), "bin")


def sign(manifest_bytes: bytes) -> bytes:
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    return signing.Signer(salt=SIGN_SALT).sign(digest).encode()


def copy_into(zf: zipfile.ZipFile, arcname: str, source: IO[bytes], *, compress: bool) -> dict:
    """Stream `source` into the zip in chunks (never the whole file in memory).
    → {"sha256", "size"}."""
    info = zipfile.ZipInfo(arcname, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    digest, size = hashlib.sha256(), 0
    with zf.open(info, "w", force_zip64=True) as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def write_bytes(zf: zipfile.ZipFile, arcname: str, data: bytes) -> dict:
    info = zipfile.ZipInfo(arcname, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _safe_name(name: str) -> bool:
    return (
        bool(name)
        and not name.startswith("/")
        and "\\" not in name
        and ".." not in name.split("/")
        and len(name) <= 300
    )


def open_verified(fileobj: IO[bytes]) -> tuple[zipfile.ZipFile, dict, str]:
    """Open an export and check it completely before anything is imported: the manifest is
    the platform's (signature), every file it lists is in the zip with the listed size and
    sha256, and the zip holds nothing else. → (zip, manifest, sha256 of the manifest).
    Not a zip or not an export → 422 `unreadable-export`; any difference → 422
    `tampered-export`."""
    try:
        zf = zipfile.ZipFile(fileobj)
        entries = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableExport() from exc
    if len(entries) > MAX_ENTRIES:
        raise UnreadableExport()
    names = {e.filename: e for e in entries if not e.is_dir()}
    if MANIFEST not in names or SIGNATURE not in names:
        raise UnreadableExport()
    if names[MANIFEST].file_size > MAX_MANIFEST_BYTES or names[SIGNATURE].file_size > 1024:
        raise TamperedExport()
    try:
        raw = zf.read(MANIFEST)
        signature = zf.read(SIGNATURE).decode("ascii").strip()
    except (zipfile.BadZipFile, OSError, ValueError, UnicodeDecodeError) as exc:
        raise TamperedExport() from exc
    digest = hashlib.sha256(raw).hexdigest()
    try:
        signed = signing.Signer(salt=SIGN_SALT).unsign(signature)
    except signing.BadSignature as exc:
        raise TamperedExport() from exc
    if signed != digest:
        raise TamperedExport()
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise TamperedExport() from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise UnreadableExport()
    files = manifest.get("files")
    if not isinstance(files, dict) or INDEX not in files:
        raise TamperedExport()
    expected = set(files) | {MANIFEST, SIGNATURE}
    if set(names) != expected:
        raise TamperedExport()  # a file added or taken away
    total = 0
    for name, meta in files.items():
        entry = names[name]
        if not _safe_name(name) or (name not in (INDEX, STYLE) and not name.startswith(MEDIA_DIR)):
            raise TamperedExport()
        size = meta.get("size") if isinstance(meta, dict) else None
        if not isinstance(size, int) or entry.file_size != size:
            raise TamperedExport()
        total += size
        if total > MAX_TOTAL_BYTES:
            raise UnreadableExport()
        digest_of_file = hashlib.sha256()
        try:
            with zf.open(entry) as source:
                while chunk := source.read(CHUNK):
                    digest_of_file.update(chunk)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise TamperedExport() from exc
        if digest_of_file.hexdigest() != meta.get("sha256"):
            raise TamperedExport()
    return zf, manifest, digest
