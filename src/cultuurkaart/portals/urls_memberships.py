"""Web pages of the memberships domain, mounted under the site root by portals/urls.py."""

urlpatterns: list = []
