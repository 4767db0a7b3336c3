from django.contrib import admin
from django.urls import include, path

from cultuurkaart.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/", include("cultuurkaart.accounts.urls")),
    path("account/", include("cultuurkaart.accounts.urls_account")),
    path("django-admin/", admin.site.urls),
    path("", include("cultuurkaart.portals.urls")),
]

handler400 = "cultuurkaart.portals.views_errors.bad_request"
handler403 = "cultuurkaart.portals.views_errors.permission_denied"
handler404 = "cultuurkaart.portals.views_errors.page_not_found"
handler500 = "cultuurkaart.portals.views_errors.server_error"
