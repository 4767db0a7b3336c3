"""Settings of the load test's server: the production module unchanged, plus a URLconf
that adds the bare view (`bench_urls`). Never used outside bench/national/load."""

from cultuurkaart.conf.production import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
