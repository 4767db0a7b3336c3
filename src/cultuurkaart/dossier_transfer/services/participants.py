"""Paid activities prompt reflection (SPEC §11, issue 12 point 7).

The school picks the classes (roster groups) or students who took part in the activity a
web order pays for. When the web order is approved (weborders' approved hook, inside its
transaction), each participating student with a member account, at a school or class where
the dossier is enabled, gets exactly one draft visit item with a reflection prompt: the item's
`origin_key` is `weborder:<id>` (unique per portfolio), so running it again creates nothing.
When the money goes back (reversed, or found invalid at the check) an untouched draft is
deleted and one the student edited stays, marked `activity_cancelled`.

Locking (docs/locking.md): `select_participants` locks the WebOrder row (the same row the
web-order services lock first), so a selection and an approval of the same web order never
interleave; the hooks run inside the web-order services' transaction, which holds that lock.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.dossier.models import Item
from cultuurkaart.memberships.constants import MemberKind
from cultuurkaart.memberships.models import Membership
from cultuurkaart.rosters.constants import RosterKind
from cultuurkaart.rosters.models import Person
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.models import WebOrder

from ..constants import WEBORDER_KEY
from ..models import Participant, ParticipantSelection

MONEY_TAKEN = (WebOrderStatus.APPROVED, WebOrderStatus.CHECKED, WebOrderStatus.PAID_OUT)
OPEN = (WebOrderStatus.PENDING, *MONEY_TAKEN)
MAX_GROUPS = 50
MAX_PEOPLE = 1000


def student_groups(school) -> list[str]:
    """The classes on the school's student roster (for the selection form)."""
    return sorted(
        set(
            Person.objects.filter(school=school, kind=RosterKind.STUDENTS)
            .exclude(group="")
            .values_list("group", flat=True)
        ),
        key=str.casefold,
    )


def selection_of(weborder: WebOrder) -> ParticipantSelection | None:
    return ParticipantSelection.objects.filter(weborder=weborder).first()


def select_participants(
    weborder: WebOrder, *, groups: list[str], person_ids: list[int], actor
) -> dict:
    """Set who took part (classes and/or students of the school's student roster). While the
    web order is pending the selection may change freely; once it is approved it can only
    grow (a student dropped later keeps their draft; decision DT-2), and the new
    participants get their draft at once. → the summary (`summary`)."""
    groups = sorted({str(g).strip()[:200] for g in groups if str(g).strip()})
    person_ids = sorted({int(p) for p in person_ids})
    if len(groups) > MAX_GROUPS or len(person_ids) > MAX_PEOPLE:
        raise ValidationFailed(_("Kies minder klassen of leerlingen."))
    with transaction.atomic():
        weborder = (
            WebOrder.objects.select_for_update(of=("self",), no_key=True)
            .select_related("school", "provider")
            .get(pk=weborder.pk)
        )
        if weborder.status not in OPEN:
            raise Conflict(
                _("Bij deze webbestelling kunnen geen deelnemers meer worden gekozen."),
                type="invalid-transition",
            )
        school = weborder.school
        known_groups = set(student_groups(school))
        errors = [
            {"field": "class_names", "code": "unknown", "message": g}
            for g in groups
            if g not in known_groups
        ]
        people = list(
            Person.objects.filter(school=school, kind=RosterKind.STUDENTS, pk__in=person_ids)
        )
        found = {p.pk for p in people}
        errors += [
            {"field": "person_ids", "code": "unknown", "message": str(pk)}
            for pk in person_ids
            if pk not in found
        ]
        if errors:
            raise ValidationFailed(
                _("Kies klassen en leerlingen van de leerlingenlijst van de school."),
                errors=errors,
            )
        selection, _created = ParticipantSelection.objects.get_or_create(
            weborder=weborder, defaults={"school": school}
        )
        if weborder.status in MONEY_TAKEN:
            # After approval: only add (the drafts already given stay).
            groups = sorted(set(selection.groups) | set(groups))
            found |= set(selection.people.values_list("pk", flat=True))
        selection.groups = groups
        selection.updated_at, selection.updated_by = clock.now(), actor
        selection.save()
        selection.people.set(sorted(found))
        created = 0
        if weborder.status in MONEY_TAKEN:
            created = _give_prompts(weborder, selection)
        audit.record(
            "dossier_transfer.participants.selected",
            actor=actor,
            obj=weborder,
            school_id=school.pk,
            data={"groups": len(groups), "people": len(found), "drafts": created},
        )
    return summary(weborder)


def _participant_memberships(selection: ParticipantSelection):
    """The active student memberships (with an account) of the selected roster people."""
    people = Person.objects.filter(school_id=selection.school_id, kind=RosterKind.STUDENTS).filter(
        Q(group__in=selection.groups) | Q(pk__in=selection.people.values("pk"))
    )
    return (
        Membership.objects.active()
        .filter(
            school_id=selection.school_id,
            kind=MemberKind.STUDENT,
            user__isnull=False,
            person__in=people,
        )
        .select_related("user", "person")
        .order_by("user_id")
    )


def _prompt_item(weborder: WebOrder, portfolio, user) -> Item:
    with translation.override(getattr(user, "language", None) or "nl"):
        title = _("Bezoek: %(activity)s") % {"activity": weborder.description[:150]}
        prompt = _(
            "Je deed mee aan een culturele activiteit. Wat heb je gezien, gehoord of gedaan? "
            "Wat viel je op en wat vond je ervan? Wat wil je er nog over weten of zelf maken?"
        )
    return Item(
        portfolio=portfolio,
        type="visit",
        title=title[:200],
        body="",
        occurred_on=weborder.activity_on,
        school_id=weborder.school_id,
        prompt=prompt,
        visit={
            "activity": weborder.description[:300],
            "place": "",
            "provider": weborder.provider.name,
        },
        is_draft=True,
        origin_key=WEBORDER_KEY.format(pk=weborder.pk),
        provenance={"source": "weborder", "weborder": weborder.pk, "school": weborder.school_id},
    )


def _give_prompts(weborder: WebOrder, selection: ParticipantSelection) -> int:
    """One draft per participant that has none yet (per portfolio: origin_key), set-based:
    a handful of queries whatever the number of students. → created."""
    from cultuurkaart.dossier.models import Enablement, Portfolio

    key = WEBORDER_KEY.format(pk=weborder.pk)
    done = set(Participant.objects.filter(weborder=weborder).values_list("user_id", flat=True))
    enabled = set(
        Enablement.objects.filter(school_id=weborder.school_id).values_list("group", flat=True)
    )
    users = {}
    for membership in _participant_memberships(selection):
        group = (membership.person.group if membership.person_id else "") or ""
        if membership.user_id in done or membership.user_id in users:
            continue
        if "" in enabled or group in enabled:  # the whole school, or the student's class
            users[membership.user_id] = membership.user
    if not users:
        return 0
    portfolios = {p.owner_id: p for p in Portfolio.objects.filter(owner_id__in=users)}
    missing = [user_id for user_id in users if user_id not in portfolios]
    if missing:  # first use of the dossier: one portfolio per member (created concurrently: kept)
        now = clock.now()
        Portfolio.objects.bulk_create(
            [Portfolio(owner_id=user_id, created_at=now) for user_id in missing],
            ignore_conflicts=True,
        )
        portfolios.update({p.owner_id: p for p in Portfolio.objects.filter(owner_id__in=missing)})
    existing = {
        item.portfolio_id: item
        for item in Item.objects.filter(
            portfolio__in=[p.pk for p in portfolios.values()], origin_key=key
        )
    }
    new_items = [
        _prompt_item(weborder, portfolios[user_id], user)
        for user_id, user in users.items()
        if portfolios[user_id].pk not in existing
    ]
    for item in Item.objects.bulk_create(new_items):
        existing[item.portfolio_id] = item
    Participant.objects.bulk_create(
        Participant(weborder=weborder, user_id=user_id, item=existing[portfolios[user_id].pk])
        for user_id in users
    )
    return len(new_items)


def weborder_approved(weborder: WebOrder, *, actor=None) -> None:
    """weborders' approved hook (inside the approval's transaction)."""
    selection = selection_of(weborder)
    if selection is None:
        return
    created = _give_prompts(weborder, selection)
    if created:
        audit.record(
            "dossier_transfer.prompts.created",
            actor=actor,
            obj=weborder,
            school_id=weborder.school_id,
            data={"drafts": created},
        )


def weborder_money_returned(weborder: WebOrder, *, actor=None) -> None:
    """weborders' reversed/invalid hook: an untouched draft disappears, an edited one stays
    and is marked `activity_cancelled` ("activiteit geannuleerd")."""
    key = WEBORDER_KEY.format(pk=weborder.pk)
    item_ids = Participant.objects.filter(weborder=weborder, item__isnull=False).values("item_id")
    items = Item.objects.filter(pk__in=item_ids, origin_key=key)
    untouched = items.filter(edited_by_owner_at__isnull=True, is_draft=True)
    removed = untouched.count()
    untouched.delete()
    kept = Item.objects.filter(pk__in=item_ids, origin_key=key).update(
        activity_cancelled=True, updated_at=clock.now()
    )
    if removed or kept:
        audit.record(
            "dossier_transfer.prompts.cancelled",
            actor=actor,
            obj=weborder,
            school_id=weborder.school_id,
            data={"removed": removed, "kept": kept},
        )


def summary(weborder: WebOrder) -> dict:
    selection = selection_of(weborder)
    groups = list(selection.groups) if selection else []
    people = sorted(selection.people.values_list("pk", flat=True)) if selection else []
    participants = Participant.objects.filter(weborder=weborder)
    return {
        "weborder": weborder.pk,
        "status": weborder.status,
        "class_names": groups,
        "person_ids": people,
        "participants": participants.count(),
        "drafts": participants.filter(item__isnull=False).count(),
    }
