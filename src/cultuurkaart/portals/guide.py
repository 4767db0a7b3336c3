"""The school home page's guide through the year (001 §2–§3): list → invitations → order →
pay → spend. Each step says what is done and what is next, computed from the school's
data, and worded for the person looking: the budget holder acts on every step, a Docent+
invites, the board oversees and pays, a teacher or student sees their own pass.

Read-only: it asks the domains' models and queries, never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import clock, wording
from cultuurkaart.core.money import format_eur
from cultuurkaart.memberships.models import InvitationBatch
from cultuurkaart.memberships.queries import active_membership_of
from cultuurkaart.orders import queries as order_queries
from cultuurkaart.orders.constants import LIVE, InvoiceStatus, OrderKind
from cultuurkaart.orders.models import BudgetOrder, Invoice
from cultuurkaart.rosters.constants import PersonStatus, RosterKind
from cultuurkaart.rosters.models import Person, RosterUpload

DONE = "done"  # finished
NEXT = "next"  # the first open step this person can act on
OPEN = "open"  # open, for this person to do later
WAITING = "waiting"  # open, someone else acts (or it waits for an earlier step)

# The perspective, most capable first: a person holding two roles sees the wider one.
PERSPECTIVES = (
    RoleName.BUDGET_HOLDER,
    RoleName.DOCENT_PLUS,
    RoleName.BOARD,
    RoleName.TEACHER,
    RoleName.STUDENT,
)


def _who_acts(key: str) -> str:
    """Who does an open step that is not this person's."""
    return {
        "roster": _("Taak van de budgethouder"),
        "invitations": _("Taak van budgethouder en Docent+"),
        "order": _("Taak van de budgethouder"),
        "pay": _("Taak van de schooladministratie"),
        "spend": _("Taak van de budgethouder"),
    }.get(key, _("Nog niet aan de beurt"))


@dataclass
class Step:
    key: str
    title: str
    state: str
    lines: list[str] = field(default_factory=list)
    action_url: str = ""
    action_label: str = ""

    @property
    def state_label(self) -> str:
        if self.state == WAITING:
            return _who_acts(self.key)
        return {DONE: _("Klaar"), NEXT: _("Nu aan de beurt"), OPEN: _("Nog te doen")}[self.state]


@dataclass
class Guide:
    perspective: str
    programme: object
    steps: list[Step]
    intro: str = ""
    own_pass_url: str = ""
    notice: str = ""
    board_url: str = ""  # the board still has to name a budget holder

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.steps if s.state == NEXT), None)


def perspective_of(user, school) -> str:
    for role in PERSPECTIVES:
        if user.has_school_role(school.pk, role):
            return role
    return RoleName.STUDENT


def _day(value) -> str:
    return date_format(value, "j F Y") if value else ""


def _url(name: str, school, query: str = "") -> str:
    return reverse(name, kwargs={"school_id": school.pk}) + (f"?{query}" if query else "")


@dataclass
class Facts:
    """The school's year in numbers, as read once for all steps."""

    counts: dict[str, int]
    last_upload: object
    last_batch: InvitationBatch | None
    order: BudgetOrder | None
    invoice: Invoice | None
    summary: object

    @property
    def on_list(self) -> int:
        return sum(self.counts.values())

    @property
    def roster_ready(self) -> bool:
        programme = self.summary.programme if self.summary else None
        if not self.on_list or self.last_upload is None:
            return False
        if programme is None:
            return True
        return self.last_upload.astimezone(clock.AMSTERDAM).date() >= programme.roster_after

    @property
    def order_live(self) -> bool:
        return self.order is not None and self.order.status in LIVE

    @property
    def paid(self) -> bool:
        return self.invoice is not None and self.invoice.status == InvoiceStatus.PAID


def read_facts(school, programme) -> Facts:
    counts = dict(
        Person.objects.filter(school=school, kind=RosterKind.STUDENTS)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    upload = (
        RosterUpload.objects.filter(school=school, kind=RosterKind.STUDENTS)
        .order_by("-uploaded_at")
        .only("uploaded_at")
        .first()
    )
    batch = (
        InvitationBatch.objects.filter(school=school)
        .exclude(kind=RosterKind.TEACHERS)
        .order_by("-created_at", "-id")
        .first()
    )
    order = invoice = summary = None
    if programme is not None:
        order = (
            BudgetOrder.objects.filter(school=school, programme=programme, kind=OrderKind.INITIAL)
            .order_by("-submitted_at", "-id")
            .first()
        )
        if order is not None:
            invoice = Invoice.objects.filter(order=order).first()
        summary = order_queries.budget_summary(school, programme)
    return Facts(
        counts=counts,
        last_upload=upload.uploaded_at if upload else None,
        last_batch=batch,
        order=order,
        invoice=invoice,
        summary=summary,
    )


def year_guide(school, user) -> Guide:
    perspective = perspective_of(user, school)
    programme = order_queries.current_programme(school)
    facts = read_facts(school, programme)
    learners = wording.learners(school)
    steps = [
        _roster_step(school, facts, learners),
        _invitation_step(school, facts, learners),
        _order_step(school, facts, programme),
        _pay_step(facts),
        _spend_step(facts, programme),
    ]
    acts_on = {
        RoleName.BUDGET_HOLDER: {"roster", "invitations", "order", "pay", "spend"},
        RoleName.DOCENT_PLUS: {"invitations"},
        RoleName.BOARD: {"pay"},
    }.get(perspective, set())
    _assign_states(steps, acts_on, facts)
    _actions(steps, school, perspective, facts, programme)
    guide = Guide(perspective=perspective, programme=programme, steps=steps)
    if not school.is_active:
        guide.notice = _(
            "CJP beoordeelt de aanmelding van uw school. Daarna kunt u met de stappen beginnen."
        )
    if (
        perspective == RoleName.BOARD
        and not school.roles.filter(role=RoleName.BUDGET_HOLDER).exists()
    ):
        guide.board_url = _url("portals:school_budget_holder", school)
    if perspective in (RoleName.TEACHER, RoleName.STUDENT):
        membership = active_membership_of(user, school)
        guide.own_pass_url = reverse("portals:my_pass") if membership else ""
    guide.intro = _intro(perspective, learners)
    return guide


def _intro(perspective: str, learners: str) -> str:
    if perspective == RoleName.BUDGET_HOLDER:
        return _(
            "Zo verloopt het jaar: u zet de lijst van %(learners)s klaar, verstuurt de "
            "uitnodigingen, bestelt het budget, de school betaalt de factuur en daarna besteedt "
            "u het budget. Hieronder ziet u wat klaar is en wat nu aan de beurt is."
        ) % {"learners": learners}
    if perspective == RoleName.DOCENT_PLUS:
        return _(
            "Als Docent+ helpt u %(learners)s hun Cultuurkaart te activeren: u ziet de lijst "
            "en de activeringsstatus en kunt uitnodigingen versturen. Bestellen en betalen "
            "doet de budgethouder."
        ) % {"learners": learners}
    if perspective == RoleName.BOARD:
        return _(
            "Als bevoegd gezag ziet u hoe ver de school is. De budgethouder voert de stappen "
            "uit; u zorgt dat de factuur op tijd betaald wordt en wijst de budgethouder aan."
        )
    return _(
        "Hieronder ziet u hoe ver uw school is met de Cultuurkaart. Vragen? Neem contact op "
        "met de budgethouder van uw school."
    )


def _roster_step(school, facts: Facts, learners: str) -> Step:
    step = Step("roster", _("Lijst van %(learners)s klaarzetten") % {"learners": learners}, OPEN)
    if facts.on_list:
        step.lines.append(
            _("Op de lijst: %(n)s %(learners)s.")
            % {"n": facts.on_list, "learners": wording.learners(school, plural=facts.on_list != 1)}
        )
    if facts.last_upload:
        step.lines.append(
            _("Laatste volledige upload: %(day)s.") % {"day": _day(facts.last_upload)}
        )
    programme = facts.summary.programme if facts.summary else None
    if facts.on_list and not facts.roster_ready and programme is not None:
        step.lines.append(
            _("Voor het bestellen is een upload op of na %(day)s nodig.")
            % {"day": _day(programme.roster_after)}
        )
    if not facts.on_list:
        step.lines.append(_("De lijst is nog leeg."))
    return step


def _invitation_step(school, facts: Facts, learners: str) -> Step:
    step = Step("invitations", _("Uitnodiging versturen en activeren"), OPEN)
    new = facts.counts.get(PersonStatus.NEW, 0)
    invited = facts.counts.get(PersonStatus.INVITED, 0)
    active = facts.counts.get(PersonStatus.ACTIVE, 0)
    if facts.on_list:
        step.lines.append(
            _("Actief lid: %(active)s van de %(total)s %(learners)s.")
            % {"active": active, "total": facts.on_list, "learners": learners}
        )
        step.lines.append(
            _("Uitgenodigd, nog niet actief: %(invited)s. Nog niet uitgenodigd: %(new)s.")
            % {"invited": invited, "new": new}
        )
    if facts.last_batch is not None:
        step.lines.append(
            _("Laatste uitnodiging verstuurd op %(day)s.")
            % {"day": _day(facts.last_batch.created_at)}
        )
    return step


def _order_step(school, facts: Facts, programme) -> Step:
    step = Step("order", _("Budget bestellen"), OPEN)
    if programme is None:
        step.lines.append(_("Uw school doet nog niet mee aan een programma."))
        return step
    if facts.order is not None:
        step.lines.append(
            _("Uw bestelling van %(day)s: %(status)s.")
            % {"day": _day(facts.order.submitted_at), "status": facts.order.shown_status_label}
        )
        if facts.order.status in LIVE and facts.order.in_objection_period():
            step.lines.append(
                _("Wijzigen kan tot %(day)s (bezwaartermijn).")
                % {"day": _day(facts.order.objection_deadline)}
            )
    if not facts.order_live:
        step.lines.append(
            _("Bestellen kan van %(start)s tot en met %(end)s.")
            % {"start": _day(programme.order_from), "end": _day(programme.order_until)}
        )
    return step


def _pay_step(facts: Facts) -> Step:
    step = Step("pay", _("Factuur betalen"), OPEN)
    invoice = facts.invoice
    if invoice is None:
        step.lines.append(
            _("De factuur komt na de bezwaartermijn, als CJP de bestelling heeft goedgekeurd.")
        )
        return step
    if invoice.status == InvoiceStatus.PAID:
        step.lines.append(
            _("Factuur %(number)s (%(total)s) is betaald.")
            % {"number": invoice.number, "total": format_eur(invoice.total)}
        )
    elif invoice.status == InvoiceStatus.CANCELLED:
        step.lines.append(_("Factuur %(number)s is gecrediteerd.") % {"number": invoice.number})
    else:
        step.lines.append(
            _(
                "Factuur %(number)s: nog %(outstanding)s te betalen, uiterlijk op %(day)s. "
                "Vermeld het factuurnummer als betalingskenmerk."
            )
            % {
                "number": invoice.number,
                "outstanding": format_eur(invoice.outstanding),
                "day": _day(invoice.due_on),
            }
        )
        if invoice.shown_status() == InvoiceStatus.OVERDUE:
            step.lines.append(_("De vervaldatum is voorbij."))
    return step


def _spend_step(facts: Facts, programme) -> Step:
    step = Step("spend", _("Budget besteden"), OPEN)
    summary = facts.summary
    if summary is None or not summary.released:
        step.lines.append(_("Het budget komt beschikbaar zodra de factuur volledig is betaald."))
        return step
    step.lines.append(
        _("Beschikbaar collectief budget: %(amount)s.") % {"amount": format_eur(summary.collective)}
    )
    step.lines.append(
        _("Besteedbaar van %(start)s tot en met %(end)s.")
        % {"start": _day(summary.spendable_from), "end": _day(summary.spendable_until)}
    )
    return step


def _is_done(step: Step, facts: Facts) -> bool:
    if step.key == "roster":
        return facts.roster_ready
    if step.key == "invitations":
        return facts.on_list > 0 and facts.counts.get(PersonStatus.NEW, 0) == 0
    if step.key == "order":
        return facts.order_live
    if step.key == "pay":
        return facts.paid
    if step.key == "spend":
        # Spending goes on all year; the step is "done" in the sense of open for use.
        return bool(facts.summary and facts.summary.released)
    return False


def _assign_states(steps: list[Step], acts_on: set[str], facts: Facts) -> None:
    """Done steps are done; the first open step this person acts on is next; other open
    steps are theirs for later, or someone else's."""
    next_given = False
    for step in steps:
        if _is_done(step, facts):
            step.state = DONE
        elif step.key in acts_on and not next_given:
            step.state = NEXT
            next_given = True
        elif step.key in acts_on:
            step.state = OPEN
        else:
            step.state = WAITING


def _actions(steps: list[Step], school, perspective: str, facts: Facts, programme) -> None:
    code = f"programme={programme.code}" if programme is not None else ""
    for step in steps:
        if perspective == RoleName.BUDGET_HOLDER:
            if step.key == "roster":
                step.action_url = _url("portals:school_students_upload", school)
                step.action_label = _("Naar de validatietool")
            elif step.key == "invitations" and facts.on_list:
                step.action_url = _url("portals:school_students", school, "status=new")
                step.action_label = _("Uitnodiging versturen")
            elif step.key == "order" and programme is not None:
                if facts.order is not None:
                    step.action_url = reverse(
                        "portals:school_orders_detail",
                        kwargs={"school_id": school.pk, "pk": facts.order.pk},
                    )
                    step.action_label = _("Bestelling bekijken")
                if not facts.order_live:
                    step.action_url = _url("portals:school_products", school)
                    step.action_label = _("Naar Producten")
            elif step.key == "pay" and facts.invoice is not None:
                step.action_url = _url("portals:school_orders_invoices", school)
                step.action_label = _("Facturen bekijken")
            elif step.key == "spend" and programme is not None:
                step.action_url = _url("portals:school_weborders", school)
                step.action_label = _("Webbestellingen goedkeuren")
        elif perspective == RoleName.DOCENT_PLUS:
            if step.key == "invitations" and facts.on_list:
                step.action_url = _url("portals:school_students", school, "status=new")
                step.action_label = _("Uitnodiging versturen")
            elif step.key in ("order", "spend") and programme is not None:
                step.action_url = _url("portals:school_orders", school, code)
                step.action_label = _("Bestellingen bekijken")
        elif perspective == RoleName.BOARD:
            if step.key == "pay" and facts.invoice is not None:
                step.action_url = _url("portals:school_orders_invoices", school)
                step.action_label = _("Facturen bekijken")
            elif step.key in ("order", "spend") and programme is not None:
                step.action_url = _url("portals:school_orders", school, code)
                step.action_label = _("Bestellingen bekijken")
