"""Issue 8 point 4: X-Forwarded-For is believed only from a configured trusted proxy."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from cultuurkaart.core import ratelimit


def request(remote="203.0.113.5", forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.CK_TRUSTED_PROXIES = []
    assert ratelimit.client_ip(request(forwarded="198.51.100.9")) == "203.0.113.5"


def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address(settings):
    settings.CK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ratelimit.client_ip(request(forwarded="198.51.100.9")) == "203.0.113.5"


def test_behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client(settings):
    settings.CK_TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    # the client sent a forged header; the proxies appended the real addresses
    forged = "1.2.3.4, 198.51.100.9, 10.1.2.3"
    assert ratelimit.client_ip(request("127.0.0.1", forged)) == "198.51.100.9"
    assert ratelimit.client_ip(request("10.9.9.9", "2001:db8::1")) == "2001:db8::1"
    # no header, or garbage: the proxy itself
    assert ratelimit.client_ip(request("127.0.0.1")) == "127.0.0.1"
    assert ratelimit.client_ip(request("127.0.0.1", "not-an-ip")) == "127.0.0.1"


def test_a_malformed_proxy_setting_is_refused(settings):
    settings.CK_TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.example"]
    with pytest.raises(ImproperlyConfigured):
        ratelimit.client_ip(request())
