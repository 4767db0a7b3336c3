"""The project's URLs plus `/__bare__/`: the floor a request costs on this server (the WSGI
server, Django's middleware stack, the URL resolver, no database, no template). The load
test's figures are divided by this view's, measured in the same run."""

from django.http import HttpResponse
from django.urls import path

from cultuurkaart.conf import urls as project


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("__bare__/", bare), *project.urlpatterns]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
