import pytest
from django.core.cache import cache

from cultuurkaart.core import clock

# The reference programmes (vo-2024, mbo-pilot) run until 31 December 2024.
TEST_NOW = clock.parse("2024-03-01T12:00:00+01:00")


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    """Rate-limit counters live in the (process-wide) cache; every test starts clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _frozen_clock(request):
    """Tests run on 1 March 2024 (API calls may override with X-Clock); browser tests use
    the real clock (the live server runs in another thread)."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    with clock.frozen(TEST_NOW):
        yield
