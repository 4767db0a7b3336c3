"""Web pages of the orders domain, mounted under the site root by portals/urls.py."""

urlpatterns: list = []
