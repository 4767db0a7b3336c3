import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cultuurkaart.conf.settings")
application = get_wsgi_application()

from cultuurkaart.core import runtime  # noqa: E402 (after Django is set up)

runtime.settle()  # start-up objects out of the garbage collector's walks (decision NS-7)
