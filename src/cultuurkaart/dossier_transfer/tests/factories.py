"""dossier_transfer test data: a school with the dossier on and money to spend, students
with accounts in classes, a pending web order, a portfolio with items and media."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.dossier.models import Item, Media
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier.tests.factories import dossier_school, student, teacher
from cultuurkaart.weborders.tests.factories import SPEND_AT, WebOrderFactory, fund

__all__ = ["SPEND_AT", "add_media", "funded_dossier_school", "png", "student", "teacher"]


def funded_dossier_school(groups=("",), **kwargs):
    school = dossier_school(groups=groups, **kwargs)
    fund(school, school_amount="500.00", ocw="500.00")
    return school


def budget_holder(school):
    return with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)


def pending_weborder(school, **kwargs):
    return WebOrderFactory(school=school, **kwargs)


def png(color=(200, 30, 30), size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def add_media(item: Item, data: bytes, *, kind="image", content_type="image/png", alt="") -> Media:
    name = default_storage.save(f"dossier/test/{item.pk}.bin", ContentFile(data))
    return Media.objects.create(
        portfolio=item.portfolio,
        item=item,
        kind=kind,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        file=name,
        alt=alt,
    )


def item(user, **fields) -> Item:
    portfolio = access.portfolio_for(user)
    data = {
        "type": "post",
        "title": "Mijn bericht",
        "body": "<p>Tekst</p>",
        "occurred_on": dt.date(2024, 2, 1),
    }
    data.update(fields)
    return Item.objects.create(portfolio=portfolio, **data)
