"""Point 4 of issue 8 everywhere: the client address for rate limits and audit comes from
`core.ratelimit.client_ip` (trusted proxies only), never from REMOTE_ADDR or
X-Forwarded-For read by hand."""

from pathlib import Path

SRC = Path(__file__).resolve().parents[2]


def test_no_code_reads_the_client_address_itself():
    readers = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts
        and path != SRC / "core" / "ratelimit.py"
        and (
            '"REMOTE_ADDR"' in (text := path.read_text(encoding="utf-8"))
            or "X_FORWARDED_FOR" in text
        )
    ]
    assert readers == [], "use core.ratelimit.client_ip(request)"
