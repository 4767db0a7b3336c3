"""Web pages of the rosters domain, mounted under the site root by portals/urls.py."""

urlpatterns: list = []
