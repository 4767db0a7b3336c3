"""The dossier (API.md "Dossier": portfolios): the school's opt-in (admin), the member's own
portfolio (`/me/portfolio/...`, self-service, 404 unless one of the member's schools has the
dossier on for them), media behind signed URLs, and a student's portfolio for the student's
dossier teachers (every view logged; the school lists the log). Thin: parse, check scope,
call the dossier services."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from cultuurkaart.dossier.constants import ViewChannel
from cultuurkaart.dossier.models import Item, Media, PortfolioView
from cultuurkaart.dossier.services import access, consent, enablement, items, media
from cultuurkaart.memberships.models import Membership
from cultuurkaart.schools.models import School

from .base import Date, DateTime, Id, Out, Page, errors, paged, paginate, path_id
from .permissions import require, school_for

router = Router(tags=["dossier"])

ItemTypeIn = Literal["post", "media", "visit", "learning_question", "reflection", "product"]
VisibilityIn = Literal["private", "teachers", "class", "school"]
CompetencyCode = Literal["reflecteren", "onderzoeken", "creeren"]

# --- schemas ----------------------------------------------------------------------------------


class DossierSettingsIn(Schema):
    enabled: bool
    group: str | None = Field(
        None, max_length=200, description="A class of the roster; empty: the whole school."
    )
    max_open_questions: int | None = Field(None, ge=1, le=20)
    conversation_interval_months: int | None = Field(None, ge=1, le=24)


class DossierSettingsOut(Out):
    school: Id
    enabled: bool
    whole_school: bool
    groups: list[str]
    max_open_questions: int
    conversation_interval_months: int
    dossier_interest: bool


class DictOut(Out):
    """An `Out` for bodies built as plain dicts (the timeline): validated once by pydantic.
    ninja's `Schema` validates an `extra="forbid"` model twice (once as given, once through
    its attribute getter), and a nested one twice per level, so a page of 50 items with
    media was validated eight times over (docs/dossier.md "Timeline performance"). Extra
    keys are still refused."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info):  # overrides ninja's
        if isinstance(values, dict):
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class MediaOut(DictOut):
    id: Id
    kind: str
    content_type: str
    size: int
    sha256: str
    url: str
    thumbnail_url: str | None
    thumbnail_status: str
    alt: str


class VisitIn(Schema):
    activity: str = Field("", max_length=200)
    place: str = Field("", max_length=200)
    provider: str = Field("", max_length=200)


class VisitOut(DictOut):
    activity: str
    place: str
    provider: str


class ItemIn(Schema):
    type: ItemTypeIn
    title: str = Field(max_length=200)
    body: str | None = Field(None, max_length=50_000)
    occurred_on: dt.date
    competencies: list[CompetencyCode] = Field(default_factory=list, max_length=3)
    competency_levels: dict[CompetencyCode, int] | None = None
    visibility: VisibilityIn = "teachers"
    media_ids: list[str] | None = Field(None, max_length=20)
    learning_question_id: str | None = None
    prompt: str | None = Field(None, max_length=2_000)
    visit: VisitIn | None = None


class ItemPatch(Schema):
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=50_000)
    occurred_on: dt.date | None = None
    competencies: list[CompetencyCode] | None = Field(None, max_length=3)
    competency_levels: dict[CompetencyCode, int] | None = None
    visibility: VisibilityIn | None = None
    media_ids: list[str] | None = Field(None, max_length=20)
    learning_question_id: str | None = None
    prompt: str | None = Field(None, max_length=2_000)
    visit: VisitIn | None = None
    is_draft: bool | None = None
    lq_status: Literal["open", "in_progress", "closed"] | None = None


class ItemOut(DictOut):
    id: Id
    type: str
    title: str
    body: str
    occurred_on: Date
    school_year: str
    competencies: list[str]
    competency_levels: dict[str, int]
    visibility: str
    lq_status: str | None
    learning_question_id: Id | None
    prompt: str
    visit: VisitOut | None
    is_draft: bool
    activity_cancelled: bool
    provenance: dict[str, Any] | None
    media: list[MediaOut]
    created_at: DateTime
    updated_at: DateTime


class CloseIn(Schema):
    reflection_id: str | None = None


class ConsentIn(Schema):
    given_by: Literal["student", "parent"]
    parent_name: str | None = Field(None, max_length=200)


class ConsentOut(Out):
    given: bool
    needs_parent: bool
    given_by: str | None
    given_at: DateTime | None
    statement: str


class ViewOut(Out):
    viewed_at: DateTime
    channel: str
    viewer: Id | None
    viewer_name: str
    student_person_id: Id | None


# --- serializing ------------------------------------------------------------------------------


def media_out(row: Media, user) -> dict[str, Any]:
    return {
        "id": str(row.pk),
        "kind": row.kind,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "url": media.signed_url(row, user),
        "thumbnail_url": media.signed_url(row, user, "thumb") if row.thumbnail else None,
        "thumbnail_status": row.thumbnail_status,
        "alt": row.alt,
    }


class ItemPage(DictOut):
    """`Page[ItemOut]` (API.md Conventions: `{"count", "results"}`), validated once."""

    count: int
    results: list[ItemOut]


def item_out(item: Item, user, media_rows: list[Media] | None = None) -> dict[str, Any]:
    return {
        "id": str(item.pk),
        "type": item.type,
        "title": item.title,
        "body": item.body,
        "occurred_on": item.occurred_on.isoformat(),
        "school_year": items.school_year_of(item.occurred_on),
        "competencies": item.competency_codes(),
        "competency_levels": item.competency_levels(),
        "visibility": item.visibility,
        "lq_status": item.lq_status or None,
        "learning_question_id": str(item.learning_question_id)
        if item.learning_question_id
        else None,
        "prompt": item.prompt,
        "visit": item.visit,
        "is_draft": item.is_draft,
        "activity_cancelled": item.activity_cancelled,
        "provenance": item.provenance,
        "media": [
            media_out(m, user) for m in (item.media.all() if media_rows is None else media_rows)
        ],
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
    }


class _TimelinePage:
    """A timeline queryset for `paginate` that loads the media of the page's items in one
    query grouped in Python (no per-item related managers, as `prefetch_related` makes)."""

    def __init__(self, qs, user):
        self.qs, self.user = qs, user

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        page = list(self.qs[window])
        by_item: dict[int, list[Media]] = {item.pk: [] for item in page}
        if by_item:
            for m in Media.objects.filter(item_id__in=list(by_item)).order_by("created_at", "id"):
                by_item[m.item_id].append(m)
        return [item_out(item, self.user, by_item[item.pk]) for item in page]


def _filters(request) -> dict[str, str | None]:
    return {
        "type": request.GET.get("type") or None,
        "competency": request.GET.get("competency") or None,
        "school_year": request.GET.get("school_year") or None,
    }


def _member(request):
    """(school id, portfolio) of the signed-in member; 404 without the dossier."""
    school_id = access.require_member(request.user)
    return school_id, access.portfolio_for(request.user)


def _own_item(request, item_id: str) -> Item:
    _, portfolio = _member(request)
    item = Item.objects.filter(pk=path_id(item_id), portfolio=portfolio).first()
    if item is None:
        raise Http404
    return item


# --- the admin: opt-in ------------------------------------------------------------------------


def _settings_out(school: School) -> dict[str, Any]:
    rows = list(school.dossier_enablements.order_by("group"))
    first = rows[0] if rows else None
    from cultuurkaart.orders.models import BudgetOrder

    return {
        "school": str(school.pk),
        "enabled": bool(rows),
        "whole_school": any(not r.group for r in rows),
        "groups": [r.group for r in rows if r.group],
        "max_open_questions": first.max_open_questions if first else 3,
        "conversation_interval_months": first.conversation_interval_months if first else 6,
        "dossier_interest": BudgetOrder.objects.filter(
            school=school, dossier_interest=True
        ).exists(),
    }


def _admin_school(request, school_id: str) -> School:
    require(request, "dossier.enable")
    school = School.objects.filter(pk=path_id(school_id)).first()
    if school is None:
        raise Http404
    return school


@router.get(
    "/admin/schools/{school_id}/dossier",
    response={200: DossierSettingsOut, **errors(401, 403, 404)},
)
def dossier_settings(request, school_id: str):
    """The admin: whether the school has the dossier (whole school or classes), its
    settings, and whether it asked for it on a budget order (`dossier_interest`)."""
    return _settings_out(_admin_school(request, school_id))


@router.post(
    "/admin/schools/{school_id}/dossier",
    response={200: DossierSettingsOut, **errors(401, 403, 404, 413, 422)},
)
def set_dossier(request, school_id: str, payload: DossierSettingsIn):
    """The admin enables (`{"enabled": true}`) or disables the dossier for the school, or
    with `group` for one class; optional school settings (open learning questions, months
    between reflection conversations). Elsewhere the dossier's pages and API answer 404."""
    school = _admin_school(request, school_id)
    enablement.set_enabled(
        school,
        payload.enabled,
        actor=request.user,
        group=payload.group or "",
        max_open_questions=payload.max_open_questions,
        conversation_interval_months=payload.conversation_interval_months,
    )
    return _settings_out(school)


# --- the member's own portfolio ---------------------------------------------------------------


@router.get(
    "/me/portfolio/items",
    response={200: ItemPage, **errors(401, 404, 422)},
    openapi_extra=paged(),
)
def my_items(request, type: str | None = None, competency: str | None = None,
             school_year: str | None = None):  # fmt: skip
    """The member's own timeline, newest `occurred_on` first; filters `type`, `competency`
    (a code) and `school_year` (`2023-2024`: 1 August – 31 July)."""
    _, portfolio = _member(request)
    qs = items.timeline(portfolio, type=type, competency=competency, school_year=school_year)
    return paginate(request, _TimelinePage(qs, request.user), lambda row: row)


@router.post("/me/portfolio/items", response={201: ItemOut, **errors(401, 404, 409, 413, 422)})
def create_item(request, payload: ItemIn):
    """A new item (default visibility `teachers`); the body's HTML is sanitised. A learning
    question beyond the school's maximum of open ones → 409 `too-many-open-questions`;
    visibility `school` (outside the class) without consent → 422 `consent-required`."""
    school_id, portfolio = _member(request)
    data = payload.dict(exclude_unset=True)
    if payload.visit is not None:
        data["visit"] = payload.visit.dict()
    item = items.create_item(portfolio, data, actor=request.user, school_id=school_id)
    return Status(201, item_out(item, request.user))


@router.get("/me/portfolio/items/{item_id}", response={200: ItemOut, **errors(401, 404)})
def my_item(request, item_id: str):
    return item_out(_own_item(request, item_id), request.user)


@router.patch(
    "/me/portfolio/items/{item_id}", response={200: ItemOut, **errors(401, 404, 409, 413, 422)}
)
def change_item(request, item_id: str, payload: ItemPatch):
    """Change an own item (only the fields sent). `is_draft: false` places a draft;
    `lq_status: "closed"` needs the close route (422 `reflection-required`)."""
    item = _own_item(request, item_id)
    data = payload.dict(exclude_unset=True)
    if payload.visit is not None:
        data["visit"] = payload.visit.dict()
    item = items.update_item(item, data, actor=request.user)
    return item_out(item, request.user)


@router.delete("/me/portfolio/items/{item_id}", response={204: None, **errors(401, 404)})
def delete_item(request, item_id: str):
    items.delete_item(_own_item(request, item_id), actor=request.user)
    return Status(204, None)


@router.post(
    "/me/portfolio/learning-questions/{item_id}/close",
    response={200: ItemOut, **errors(401, 404, 409, 413, 422)},
)
def close_question(request, item_id: str, payload: CloseIn):
    """Close an own learning question with an own reflection (`reflection_id`); without
    one → 422 `reflection-required`; already closed → 409 `invalid-transition`."""
    item = _own_item(request, item_id)
    item = items.close_learning_question(item, payload.reflection_id, actor=request.user)
    return item_out(item, request.user)


@router.post("/me/portfolio/media", response={201: MediaOut, **errors(401, 404, 413, 422)})
def upload(request, file: File[UploadedFile], alt: Form[str] = ""):
    """Upload a file (image, video, audio, pdf; the type is sniffed from the content;
    images re-encoded without EXIF/GPS, video and audio remuxed without metadata in the
    background). Beyond the per-file or per-member quota → 413 `quota-exceeded`. The `url`
    is a short-lived signed link."""
    _, portfolio = _member(request)
    row = media.upload_media(portfolio, file, actor=request.user, alt=alt)
    return Status(201, media_out(row, request.user))


@router.get("/me/portfolio/consent", response={200: ConsentOut, **errors(401, 404)})
def my_consent(request):
    """Whether work may be shown outside the class (visibility `school`)."""
    _, portfolio = _member(request)
    return _consent_out(portfolio)


@router.post("/me/portfolio/consent", response={201: ConsentOut, **errors(401, 404, 413, 422)})
def give_consent(request, payload: ConsentIn):
    """Record consent; under 16 (or no known birth date) it is a parent's or guardian's,
    with their name (`given_by: "parent"`), else 422 `parent-consent-required`."""
    _, portfolio = _member(request)
    consent.give_consent(
        portfolio,
        given_by=payload.given_by,
        parent_name=payload.parent_name or "",
        actor=request.user,
    )
    return Status(201, _consent_out(portfolio))


@router.delete("/me/portfolio/consent", response={200: ConsentOut, **errors(401, 404)})
def revoke_consent(request):
    """Revoke at once: items shown to the whole school go back to the class."""
    _, portfolio = _member(request)
    consent.revoke_consent(portfolio, actor=request.user)
    return _consent_out(portfolio)


def _consent_out(portfolio) -> dict[str, Any]:
    live = consent.live_consent(portfolio)
    return {
        "given": live is not None,
        "needs_parent": consent.needs_parent(portfolio.owner),
        "given_by": live.given_by if live else None,
        "given_at": live.given_at.isoformat() if live else None,
        "statement": consent.STATEMENT,
    }


# --- the school: a student's portfolio, the view log -----------------------------------------


@router.get(
    "/schools/{school_id}/students/{person_id}/portfolio",
    response={200: ItemPage, **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def student_portfolio(request, school_id: str, person_id: str, type: str | None = None,
                      competency: str | None = None, school_year: str | None = None):  # fmt: skip
    """The student's dossier teachers (teacher, Docent+ of the school): the items the
    student made visible to teachers (no private items, no drafts), newest first. Every
    call is logged (the school lists the log at `/schools/{id}/dossier/views`).
    `person_id` is the student's roster id."""
    school = school_for(request, school_id, action="dossier.view_portfolios")
    access.require_enabled(school)
    owner = access.student_user(school, person_id)
    portfolio = access.portfolio_for(owner)
    if not access.can_view_portfolio(request.user, portfolio, school):
        raise Http404
    qs = items.timeline(
        portfolio, type=type, competency=competency, school_year=school_year, for_teachers=True
    )
    body = paginate(request, _TimelinePage(qs, request.user), lambda row: row)
    access.log_view(request.user, portfolio, school, ViewChannel.API)
    return body


@router.get(
    "/schools/{school_id}/dossier/views",
    response={200: Page[ViewOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def view_log(request, school_id: str):
    """The school (board, budget holder): every view of a portfolio by its staff, newest
    first (who, when, which student by roster id, page or API)."""
    school = school_for(request, school_id, action="dossier.view_log")
    access.require_enabled(school)
    qs = PortfolioView.objects.filter(school=school).select_related("viewer", "portfolio")
    people = dict(
        Membership.objects.filter(school=school, person__isnull=False).values_list(
            "user_id", "person_id"
        )
    )

    def out(view: PortfolioView) -> dict[str, Any]:
        person = people.get(view.portfolio.owner_id)
        return {
            "viewed_at": view.viewed_at.isoformat(),
            "channel": view.channel,
            "viewer": str(view.viewer_id) if view.viewer_id else None,
            "viewer_name": (view.viewer.name or view.viewer.email) if view.viewer else "",
            "student_person_id": str(person) if person else None,
        }

    return paginate(request, qs.order_by("-viewed_at", "-id"), out)
