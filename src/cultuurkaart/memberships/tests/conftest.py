import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    """Rate-limit counters live in the (process-wide) cache; every test starts clean."""
    cache.clear()
    yield
    cache.clear()
