"""Back-office pages of the scheduled jobs, mounted under the site root by portals/urls.py."""

from django.urls import path

from . import views_jobs as v

urlpatterns: list = [
    path("backoffice/taken/", v.job_list, name="backoffice_jobs"),
    path("backoffice/taken/<slug:name>/", v.job_detail, name="backoffice_job"),
    path("backoffice/taken/<slug:name>/uitvoeren/", v.job_run, name="backoffice_job_run"),
]
