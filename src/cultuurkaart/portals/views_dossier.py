"""The dossier's pages (SPEC §11): the member's own portfolio and timeline (phone first),
the editor, learning questions, consent; a teacher's view of a student's portfolio (every
view logged); the school's view log; the back office's opt-in. Thin: access checks and the
services of cultuurkaart.dossier."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.dossier.constants import (
    COMPETENCIES,
    ConsentGiver,
    ItemType,
    LearningQuestionStatus,
    ViewChannel,
    Visibility,
)
from cultuurkaart.dossier.models import Enablement, Item, Media, PortfolioView
from cultuurkaart.dossier.services import access, consent, enablement, items
from cultuurkaart.dossier.services import media as media_service
from cultuurkaart.dossier_transfer.services import carried
from cultuurkaart.memberships.models import Membership
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.models import School

from .access import backoffice_page, school_page

PAGE_SIZE = 20


# --- media behind signed links ----------------------------------------------------------------


def media_file(request, token: str):
    """A media file behind a signed URL: valid signature, not expired, the same signed-in
    user, who may still see it. Anything else is 404 (nothing is revealed)."""
    try:
        data = media_service.read_token(token)
    except signing.BadSignature:
        raise Http404 from None
    if not request.user.is_authenticated or request.user.pk != data["u"]:
        raise Http404
    row = Media.objects.select_related("portfolio", "item").filter(pk=data["m"]).first()
    if row is None or not media_service.can_view_media(request.user, row):
        raise Http404
    name = row.thumbnail if data["v"] == "thumb" else row.file
    if not name:
        raise Http404
    content_type = "image/jpeg" if data["v"] == "thumb" else row.content_type
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- helpers ----------------------------------------------------------------------------------


def _member(request):
    school_id = access.current_school_id(request.user)
    if school_id is None:
        raise Http404
    return school_id, access.portfolio_for(request.user)


def _cards(page_items, user) -> list[dict]:
    """What the timeline shows per item: the item, its competencies (labels), media with
    signed links for this viewer. The page's media come in one query, grouped here (no
    per-item related managers)."""
    page_items = list(page_items)
    by_item: dict[int, list[Media]] = {item.pk: [] for item in page_items}
    if by_item:
        for m in Media.objects.filter(item_id__in=list(by_item)).order_by("created_at", "id"):
            by_item[m.item_id].append(m)
    cards = []
    for item in page_items:
        cards.append(
            {
                "item": item,
                "competencies": [
                    (code, COMPETENCIES[code], level)
                    for code, level in item.competency_levels().items()
                    if level
                ],
                "media": [
                    {
                        "row": m,
                        "url": media_service.signed_url(m, user),
                        "thumb": media_service.signed_url(m, user, "thumb") if m.thumbnail else "",
                    }
                    for m in by_item[item.pk]
                ],
            }
        )
    return cards


def _filters(request) -> dict[str, str]:
    return {
        "type": request.GET.get("type", "") if request.GET.get("type") in ItemType.values else "",
        "competency": request.GET.get("competency", "")
        if request.GET.get("competency") in COMPETENCIES
        else "",
        "school_year": request.GET.get("school_year", "")[:9],
    }


def _timeline_page(request, portfolio, *, for_teachers: bool):
    filters = _filters(request)
    try:
        qs = items.timeline(
            portfolio,
            type=filters["type"] or None,
            competency=filters["competency"] or None,
            school_year=filters["school_year"] or None,
            for_teachers=for_teachers,
        )
    except DomainError:
        filters["school_year"] = ""
        qs = items.timeline(portfolio, for_teachers=for_teachers)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return filters, page, query


def _filter_context(portfolio) -> dict:
    return {
        "types": ItemType.choices,
        "competency_choices": list(COMPETENCIES.items()),
        "school_years": items.school_years(portfolio),
    }


# --- the member's own dossier -----------------------------------------------------------------


@login_required
def my_dossier(request):
    """The timeline: newest first, filters by type, competency and school year."""
    _school_id, portfolio = _member(request)
    filters, page, query = _timeline_page(request, portfolio, for_teachers=False)
    return render(
        request,
        "portals/dossier/timeline.html",
        {
            "filters": filters,
            "page": page,
            "query": query,
            "cards": _cards(page.object_list, request.user),
            "open_questions": items.open_questions(portfolio),
            "has_carried": carried.has_any(portfolio),
            "own": True,
            **_filter_context(portfolio),
        },
    )


def _form_data(request, item_type: str | None = None) -> dict:
    post = request.POST
    data = {
        "type": item_type or post.get("type", ""),
        "title": post.get("title", ""),
        "body": post.get("body", ""),
        "occurred_on": post.get("occurred_on", ""),
        "competencies": [c for c in post.getlist("competencies") if c],
        "visibility": post.get("visibility") or Visibility.TEACHERS,
        "prompt": post.get("prompt", ""),
        "learning_question_id": post.get("learning_question_id") or None,
    }
    if data["type"] == ItemType.VISIT:
        data["visit"] = {k: post.get(f"visit_{k}", "") for k in ("activity", "place", "provider")}
    return data


def _editor(request, portfolio, *, item=None, data=None, errors=None, status=200):
    types = [(v, label) for v, label in ItemType.choices if v != ItemType.MEDIA]
    initial = data or {}
    if item is not None and data is None:
        initial = {
            "type": item.type,
            "title": item.title,
            "body": item.body,
            "occurred_on": item.occurred_on.isoformat(),
            "competencies": item.competency_codes(),
            "visibility": item.visibility,
            "prompt": item.prompt,
            "learning_question_id": str(item.learning_question_id or ""),
            "visit": item.visit or {},
        }
    elif not initial:
        wanted = request.GET.get("type")
        initial = {
            "type": wanted if wanted in ItemType.values else ItemType.POST,
            "occurred_on": clock.today().isoformat(),
            "visibility": Visibility.TEACHERS,
            "competencies": [],
            "prompt": request.GET.get("prompt", "")[:2000],
            "learning_question_id": request.GET.get("leervraag", ""),
        }
    questions = items.open_questions(portfolio)
    if item is not None:
        questions = questions.exclude(pk=item.pk)
    visibilities = [
        (v, label)
        for v, label in Visibility.choices
        if v != Visibility.SCHOOL or consent.has_consent(portfolio)
    ]
    return render(
        request,
        "portals/dossier/editor.html",
        {
            "item": item,
            "data": initial,
            "errors": errors or [],
            "types": types,
            "competency_choices": list(COMPETENCIES.items()),
            "visibilities": visibilities,
            "questions": questions,
            "media": list(item.media.all()) if item is not None else [],
        },
        status=status,
    )


def _upload_files(request, portfolio) -> list[str]:
    ids = []
    alt = request.POST.get("alt", "")
    for upload in request.FILES.getlist("file")[:5]:
        row = media_service.upload_media(portfolio, upload, actor=request.user, alt=alt)
        ids.append(str(row.pk))
    return ids


@login_required
def my_dossier_new(request):
    """The editor: a new post, visit, learning question, reflection or product, with files."""
    school_id, portfolio = _member(request)
    if request.method != "POST":
        return _editor(request, portfolio)
    data = _form_data(request)
    try:
        data["media_ids"] = _upload_files(request, portfolio)
        item = items.create_item(portfolio, data, actor=request.user, school_id=school_id)
    except DomainError as exc:
        Media.objects.filter(portfolio=portfolio, item__isnull=True, pk__in=data.get("media_ids") or []).delete()  # fmt: skip
        return _editor(
            request, portfolio, data=data, errors=exc.errors or [{"message": exc.message}],
            status=exc.status if exc.status != 404 else 422,
        )  # fmt: skip
    messages.success(request, _("Opgeslagen in je dossier."))
    return redirect("portals:my_dossier_item", item_id=item.pk)


def _own_item(request, item_id: int) -> tuple[int, object, Item]:
    school_id, portfolio = _member(request)
    item = Item.objects.filter(portfolio=portfolio, pk=item_id).prefetch_related("media").first()
    if item is None:
        raise Http404
    return school_id, portfolio, item


@login_required
def my_dossier_item(request, item_id: int):
    _school_id, portfolio, item = _own_item(request, item_id)
    reflections = Item.objects.filter(
        portfolio=portfolio, type=ItemType.REFLECTION, is_draft=False
    ).order_by("-occurred_on", "-id")[:50]
    return render(
        request,
        "portals/dossier/item.html",
        {
            "item": item,
            "reflections": reflections,
            "answers": item.answers.order_by("-occurred_on", "-id")
            if item.type == ItemType.LEARNING_QUESTION
            else [],
            "can_close": item.type == ItemType.LEARNING_QUESTION
            and item.lq_status != LearningQuestionStatus.CLOSED,
            "carried": carried.of_item(item),
            "item_cards": _cards([item], request.user),
        },
    )


@login_required
def my_dossier_earlier_feedback(request):
    """The feedback released to the student at an earlier school that came along with an
    import or transfer: read-only, with the school and the date (decision DT-4)."""
    _school_id, portfolio = _member(request)
    return render(
        request, "portals/dossier/earlier_feedback.html", {"carried": carried.of_owner(portfolio)}
    )


@login_required
def my_dossier_edit(request, item_id: int):
    _school_id, portfolio, item = _own_item(request, item_id)
    if request.method != "POST":
        return _editor(request, portfolio, item=item)
    data = _form_data(request, item.type)
    data.pop("type", None)
    if request.POST.get("place") == "1":
        data["is_draft"] = False
    try:
        new_ids = _upload_files(request, portfolio)
        if new_ids:
            data["media_ids"] = [str(m.pk) for m in item.media.all()] + new_ids
        items.update_item(item, data, actor=request.user)
    except DomainError as exc:
        data["type"] = item.type
        return _editor(
            request, portfolio, item=item, data=data,
            errors=exc.errors or [{"message": exc.message}],
            status=exc.status if exc.status != 404 else 422,
        )  # fmt: skip
    messages.success(request, _("Je wijzigingen zijn opgeslagen."))
    return redirect("portals:my_dossier_item", item_id=item.pk)


@login_required
@require_POST
def my_dossier_delete(request, item_id: int):
    _school_id, _portfolio, item = _own_item(request, item_id)
    items.delete_item(item, actor=request.user)
    messages.success(request, _("Het item is verwijderd."))
    return redirect("portals:my_dossier")


@login_required
@require_POST
def my_dossier_close(request, item_id: int):
    _school_id, _portfolio, item = _own_item(request, item_id)
    try:
        items.close_learning_question(item, request.POST.get("reflection_id"), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Je leervraag is afgerond."))
    return redirect("portals:my_dossier_item", item_id=item.pk)


@login_required
def my_dossier_consent(request):
    """Consent to show work outside the class: the student (16+) or a parent (under 16)."""
    _school_id, portfolio = _member(request)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                consent.revoke_consent(portfolio, actor=request.user)
                messages.success(request, _("Je toestemming is ingetrokken."))
            else:
                consent.give_consent(
                    portfolio,
                    given_by=request.POST.get("given_by", ""),
                    parent_name=request.POST.get("parent_name", ""),
                    actor=request.user,
                )
                messages.success(request, _("De toestemming is vastgelegd."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("portals:my_dossier_consent")
    return render(
        request,
        "portals/dossier/consent.html",
        {
            "live": consent.live_consent(portfolio),
            "needs_parent": consent.needs_parent(request.user),
            "statement": consent.STATEMENT,
            "givers": ConsentGiver.choices,
        },
    )


@login_required
def my_dossier_class(request):
    """Work of classmates shown to the class, and work shown to the whole school (with
    consent). Only for students with a class that has the dossier."""
    school_id, _portfolio = _member(request)
    qs = items.class_wall(request.user, school_id)
    if qs is None:
        raise Http404
    page = Paginator(qs.select_related("portfolio").prefetch_related("media"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    cards = _cards(page.object_list, request.user)
    names = dict(
        Membership.objects.filter(
            school_id=school_id,
            user_id__in={c["item"].portfolio.owner_id for c in cards},
            person__isnull=False,
        ).values_list("user_id", "person__first_name")
    )
    for card in cards:
        card["author"] = names.get(card["item"].portfolio.owner_id, "")
    return render(
        request,
        "portals/dossier/class.html",
        {"page": page, "query": "", "cards": cards, "own": False},
    )


# --- the school: students' portfolios, the view log -------------------------------------------


def _require_enabled(school):
    if not access.is_enabled(school):
        raise Http404


@school_page("dossier.view_portfolios")
def school_dossier_students(request, school):
    """The dossier teachers: the school's students with an account, per class."""
    _require_enabled(school)
    group = request.GET.get("klas", "")[:200]
    accounts = Membership.objects.filter(person=OuterRef("pk"), user__isnull=False)
    people = Person.objects.filter(school=school, kind="students").filter(Exists(accounts))
    groups = sorted(set(people.values_list("group", flat=True)))
    if group:
        people = people.filter(group=group)
    enabled = access.enabled_groups(school)
    rows = [
        p for p in people.order_by("group", "last_name", "first_name", "pk")[:500]
        if "" in enabled or p.group in enabled
    ]  # fmt: skip
    return render(
        request,
        "portals/dossier/school_students.html",
        {"school": school, "people": rows, "groups": groups, "group": group},
    )


@school_page("dossier.view_portfolios")
def school_dossier_student(request, school, person_id: int, kind: str = "students"):
    """A student's portfolio for the student's dossier teachers: the items visible to
    teachers; the view is logged (the school lists the log)."""
    _require_enabled(school)
    try:
        owner = access.student_user(school, person_id)
    except DomainError:
        raise Http404 from None
    portfolio = access.portfolio_for(owner)
    if not access.can_view_portfolio(request.user, portfolio, school):
        raise Http404
    filters, page, query = _timeline_page(request, portfolio, for_teachers=True)
    access.log_view(request.user, portfolio, school, ViewChannel.PAGE)
    person = Person.objects.get(pk=person_id)
    return render(
        request,
        "portals/dossier/school_student.html",
        {
            "school": school,
            "person": person,
            "filters": filters,
            "page": page,
            "query": query,
            "cards": _cards(page.object_list, request.user),
            "carried": carried.for_teachers(portfolio) if page.number == 1 else [],
            "own": False,
            **_filter_context(portfolio),
        },
    )


@school_page("dossier.view_log")
def school_dossier_views(request, school):
    """The log of staff views of the school's portfolios, newest first."""
    _require_enabled(school)
    qs = PortfolioView.objects.filter(school=school).select_related("viewer", "portfolio")
    page = Paginator(qs.order_by("-viewed_at", "-id"), 50).get_page(request.GET.get("page"))
    people = {
        m.user_id: m.person
        for m in Membership.objects.filter(
            school=school, person__isnull=False, user__isnull=False
        ).select_related("person")
    }
    rows = [{"view": v, "person": people.get(v.portfolio.owner_id)} for v in page.object_list]
    return render(
        request,
        "portals/dossier/school_views.html",
        {"school": school, "page": page, "rows": rows},
    )


# --- the back office: opt-in ------------------------------------------------------------------


@backoffice_page("dossier.enable")
def backoffice_dossier(request):
    """Schools with their dossier status and whether they asked for it on a budget order."""
    q = request.GET.get("q", "").strip()[:100]
    schools = School.objects.filter(status="active").order_by("name", "pk")
    if q:
        schools = schools.filter(name__icontains=q)
    interest = set(
        BudgetOrder.objects.filter(dossier_interest=True).values_list("school_id", flat=True)
    )
    page = Paginator(schools, 50).get_page(request.GET.get("page"))
    rows_by_school: dict[int, list] = {}
    for row in Enablement.objects.filter(school__in=list(page.object_list)).order_by("group"):
        rows_by_school.setdefault(row.school_id, []).append(row)
    entries = [
        {"school": s, "rows": rows_by_school.get(s.pk, []), "interest": s.pk in interest}
        for s in page.object_list
    ]
    return render(
        request, "portals/dossier/backoffice.html", {"entries": entries, "page": page, "q": q}
    )


@backoffice_page("dossier.enable")
def backoffice_dossier_school(request, school_id: int):
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise Http404
    if request.method == "POST":
        try:
            max_open = request.POST.get("max_open_questions") or None
            enablement.set_enabled(
                school,
                request.POST.get("enabled") == "1",
                actor=request.user,
                group=request.POST.get("group", ""),
                max_open_questions=int(max_open) if max_open and max_open.isdigit() else None,
            )
            messages.success(request, _("De instelling van het dossier is opgeslagen."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("portals:backoffice_dossier_school", school_id=school.pk)
    return render(
        request,
        "portals/dossier/backoffice_school.html",
        {
            "school": school,
            "rows": list(Enablement.objects.filter(school=school).order_by("group")),
            "interest": BudgetOrder.objects.filter(school=school, dossier_interest=True).exists(),
            "today": dt.date.today,
        },
    )
