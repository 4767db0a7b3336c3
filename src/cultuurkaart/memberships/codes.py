"""Activation codes as secrets: generation, normalisation, keyed hash, encryption.

Invariants (docs/activation-codes.md):
- a code is CODE_LENGTH characters from ALPHABET, drawn with `secrets`;
- the database holds a keyed hash (HMAC-SHA256) to find a code and, while the code is
  unused and current, its Fernet-encrypted value (for the budget holder's list/export);
- both keys are derived from SECRET_KEY with HKDF-SHA256 under distinct labels, so
  neither key is SECRET_KEY itself and the two never coincide; SECRET_KEY_FALLBACKS
  keep old codes working during a key rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_VALID = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
_SEPARATORS = re.compile(r"[\s\-_.]+")

HASH_LABEL = b"cultuurkaart/activation-code/lookup-hmac/v1"
ENCRYPTION_LABEL = b"cultuurkaart/activation-code/fernet/v1"


def _master_secrets() -> tuple[str, ...]:
    return (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", []))


@lru_cache(maxsize=8)
def _derive(master: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cultuurkaart", info=label).derive(
        master.encode()
    )


def _hash_keys() -> list[bytes]:
    return [_derive(master, HASH_LABEL) for master in _master_secrets()]


@lru_cache(maxsize=8)
def _fernet(masters: tuple[str, ...]) -> MultiFernet:
    import base64

    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derive(m, ENCRYPTION_LABEL))) for m in masters]
    )


_LIMIT = 256 - 256 % len(ALPHABET)  # rejection sampling keeps every character equally likely


def generate() -> str:
    """CODE_LENGTH characters from ALPHABET, uniformly, from the OS's CSPRNG."""
    chars: list[str] = []
    while len(chars) < CODE_LENGTH:
        chars.extend(ALPHABET[b % len(ALPHABET)] for b in secrets.token_bytes(16) if b < _LIMIT)
    return "".join(chars[:CODE_LENGTH])


def normalise(raw: str | None) -> str | None:
    """Upper-case, drop spaces and dashes; None when it cannot be a code (malformed)."""
    if not raw or len(raw) > 64:
        return None
    value = _SEPARATORS.sub("", raw).upper()
    return value if _VALID.match(value) else None


def digest(code: str, key: bytes | None = None) -> str:
    key = key if key is not None else _hash_keys()[0]
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def digests(code: str) -> list[str]:
    """The code's hash under the current key and under every fallback key."""
    return [digest(code, key) for key in _hash_keys()]


def matches(code: str, stored_hash: str) -> bool:
    """Constant-time comparison of a code against a stored hash (any current key)."""
    found = False
    for candidate in digests(code):
        found |= hmac.compare_digest(candidate, stored_hash)
    return found


def encrypt(code: str) -> str:
    return _fernet(_master_secrets()).encrypt(code.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(_master_secrets()).decrypt(token.encode()).decode()


def display(code: str) -> str:
    """Groups of four for reading aloud or typing: ABCD-EFGH-JKLM."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
