from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("In de wachtrij")
    RUNNING = "running", _("Wordt gemaakt")
    DONE = "done", _("Klaar")
    FAILED = "failed", _("Mislukt")
    EXPIRED = "expired", _("Verlopen")


EXPORT_DAYS = 7  # the download link expires after a week (issue 12 point 8)
FORMAT = "cultuurkaart-dossier-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
INDEX = "index.html"
STYLE = "style.css"  # the offline page's stylesheet, next to it in the zip
MEDIA_DIR = "media/"
# A prompt draft of a paid activity is keyed per web order: approving twice creates nothing.
WEBORDER_KEY = "weborder:{pk}"
TRANSFER_DAYS = 14  # an in-platform transfer code is valid this long, once
