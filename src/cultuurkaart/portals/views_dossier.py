"""The dossier's pages (SPEC §11): the student's portfolio and timeline (phone first), the
editor, consent, a teacher's view of a student's portfolio (logged), the school's view log
and the back office's opt-in. Thin: access checks and services of cultuurkaart.dossier."""

from __future__ import annotations

from django.core import signing
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from cultuurkaart.dossier.models import Media
from cultuurkaart.dossier.services import media as media_service


def media_file(request, token: str):
    """A media file behind a signed URL: valid signature, not expired, the same signed-in
    user, who may still see it. Anything else is 404 (nothing is revealed)."""
    try:
        data = media_service.read_token(token)
    except signing.BadSignature:
        raise Http404 from None
    if not request.user.is_authenticated or request.user.pk != data["u"]:
        raise Http404
    media = Media.objects.select_related("portfolio", "item").filter(pk=data["m"]).first()
    if media is None or not media_service.can_view_media(request.user, media):
        raise Http404
    name = media.thumbnail if data["v"] == "thumb" else media.file
    if not name:
        raise Http404
    content_type = "image/jpeg" if data["v"] == "thumb" else media.content_type
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
