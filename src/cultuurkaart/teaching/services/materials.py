"""The lesson-material library (SPEC §11, seed 000 "Lesmateriaal uploaden / van collega's of
culturele instellingen inzien en gebruiken").

- A teacher's material is private, for the school, or for all schools; a provider's
  material is for all schools. Providers never see student data: their side of the library
  holds only their own material.
- Reuse copies the material into the teacher's own library (private) and keeps the
  provenance (`copied_from` and a readable source line that stays if the original goes).
- Attachments are PDF only (checked by content, not by name), at most 10 MB.
"""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import NotFound, ValidationFailed

from ..constants import COMPETENCY_CODES, MaterialScope
from ..models import LessonMaterial
from .text import clean, plain

MAX_ATTACHMENT = 10 * 1024 * 1024


def _invalid(field, code, message):
    return ValidationFailed(message, errors=[{"field": field, "code": code, "message": message}])


def visible(school, user):
    """What a teacher of `school` sees: their own, the school's shared, everything shared
    with all schools (teachers' and providers')."""
    return (
        LessonMaterial.objects.filter(
            Q(owner=user, school=school)
            | Q(school=school, scope=MaterialScope.SCHOOL)
            | Q(scope=MaterialScope.ALL)
        )
        .select_related("school", "provider")
        .order_by("-created_at", "-pk")
    )


def of_provider(provider):
    return LessonMaterial.objects.filter(provider=provider, school__isnull=True).order_by(
        "-created_at", "-pk"
    )


def _attachment(upload):
    if upload is None:
        return None
    if upload.size > MAX_ATTACHMENT:
        raise _invalid("file", "too-large", _("Een bijlage is hoogstens 10 MB."))
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise _invalid("file", "type", _("Een bijlage moet een PDF-bestand zijn."))
    return upload


def _fields(title, description, link, competencies):
    title = plain(title)[:200]
    if not title:
        raise _invalid("title", "required", _("Geef het lesmateriaal een titel."))
    link = (link or "").strip()[:500]
    if link and not link.startswith(("https://", "http://")):
        raise _invalid("link", "invalid", _("Een link begint met https://."))
    codes = [c for c in dict.fromkeys(competencies or []) if c in COMPETENCY_CODES]
    return {"title": title, "description": clean(description), "link": link, "competencies": codes}


def _store(material, upload):
    if upload is None:
        return
    name = plain(upload.name or "bijlage.pdf")[:200] or "bijlage.pdf"
    material.attachment.save(f"{secrets.token_hex(12)}.pdf", ContentFile(upload.read()), save=False)
    material.attachment_name = name
    material.attachment_type = "application/pdf"


def add_material(
    school,
    *,
    title,
    description="",
    link="",
    scope=MaterialScope.PRIVATE,
    competencies=None,
    upload=None,
    actor,
) -> LessonMaterial:
    if scope not in MaterialScope.values:
        raise _invalid("scope", "invalid", _("Kies met wie je het materiaal deelt."))
    fields = _fields(title, description, link, competencies)
    upload = _attachment(upload)
    with transaction.atomic():
        material = LessonMaterial(
            school=school, owner=actor, scope=scope, created_at=clock.now(), **fields
        )
        _store(material, upload)
        material.save()
        audit.record(
            "teaching.material.added",
            actor=actor,
            obj=material,
            school_id=school.pk,
            data={"scope": scope},
        )
    return material


def publish_material(
    provider, *, title, description="", link="", competencies=None, upload=None, actor
) -> LessonMaterial:
    """A provider's material, for all schools."""
    fields = _fields(title, description, link, competencies)
    upload = _attachment(upload)
    with transaction.atomic():
        material = LessonMaterial(
            provider=provider,
            owner=actor,
            scope=MaterialScope.ALL,
            created_at=clock.now(),
            **fields,
        )
        _store(material, upload)
        material.save()
        audit.record("teaching.material.published", actor=actor, obj=material)
    return material


def source_line(material) -> str:
    """Where the material comes from, in words (kept on copies)."""
    if material.provenance:
        return material.provenance
    if material.provider_id:
        return _("Aanbieder %(name)s") % {"name": material.provider.name}
    return material.school.name


def reuse(material, school, *, actor) -> LessonMaterial:
    """Copy visible material into the teacher's own (private) library, keeping provenance."""
    if not visible(school, actor).filter(pk=material.pk).exists():
        raise NotFound("Not found")
    with transaction.atomic():
        copy = LessonMaterial(
            school=school,
            owner=actor,
            scope=MaterialScope.PRIVATE,
            title=material.title,
            description=material.description,
            link=material.link,
            competencies=list(material.competencies),
            copied_from=material,
            provenance=source_line(material)[:300],
            created_at=clock.now(),
        )
        if material.attachment:
            with material.attachment.open("rb") as handle:
                copy.attachment.save(
                    f"{secrets.token_hex(12)}.pdf", ContentFile(handle.read()), save=False
                )
            copy.attachment_name = material.attachment_name
            copy.attachment_type = material.attachment_type
        copy.save()
        audit.record(
            "teaching.material.copied",
            actor=actor,
            obj=copy,
            school_id=school.pk,
            data={"source": material.pk},
        )
    return copy


def share(material, scope, *, actor) -> LessonMaterial:
    """The owner changes who sees their material."""
    if material.owner_id != actor.pk or material.school_id is None:
        raise NotFound("Not found")
    if scope not in MaterialScope.values:
        raise _invalid("scope", "invalid", _("Kies met wie je het materiaal deelt."))
    with transaction.atomic():
        LessonMaterial.objects.filter(pk=material.pk).update(scope=scope)
        material.scope = scope
        audit.record(
            "teaching.material.shared",
            actor=actor,
            obj=material,
            school_id=material.school_id,
            data={"scope": scope},
        )
    return material
