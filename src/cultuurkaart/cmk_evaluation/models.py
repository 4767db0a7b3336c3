"""Questionnaires (Evi-like self-evaluation), the programme budget and frozen funder
reports of a CmK programme (SPEC §12, docs/cmk-evaluation.md). Programme and participation
are the base app's (`cmk`); money is integer cents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import Category, ResponseStatus

USER = settings.AUTH_USER_MODEL


class Questionnaire(models.Model):
    """One version of a yearly self-evaluation. Its questions are frozen once a school has
    saved a response (`frozen_at`); a change then needs a new version (`previous`)."""

    programme = models.ForeignKey(
        "cmk.Programme", on_delete=models.CASCADE, related_name="questionnaires"
    )
    title = models.CharField(_("titel"), max_length=200)
    year = models.PositiveSmallIntegerField(_("jaar"))
    opens_on = models.DateField(_("open vanaf"))
    closes_on = models.DateField(_("open tot en met"))
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    frozen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-version", "-id"]
        indexes = [models.Index(fields=["programme", "year"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    code = models.CharField(_("code"), max_length=40)
    pillar = models.CharField(_("pijler"), max_length=80)
    text = models.TextField(_("vraag"), max_length=1000)
    scale = models.PositiveSmallIntegerField(_("schaal (niveaus)"))  # answers 1..scale
    # Region-specific questions are kept apart from the base set: pillar scores and trends
    # read the base set only, so they compare across regions and years.
    regional = models.BooleanField(_("regionale vraag"), default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="cmkq_question_code")
        ]

    def __str__(self) -> str:
        return self.code


class Response(models.Model):
    """A school's response: one per school (participation) and questionnaire, a draft until
    submitted, then immutable (staff may reopen it with a reason, `Reopening`). Municipality
    and sector are copied at submission: the grouping keys of the regional analysis."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses"
    )
    participation = models.ForeignKey(
        "cmk.Participation", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    status = models.CharField(
        max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    answers = models.JSONField(default=dict)
    respondent_roles = models.JSONField(default=list)
    municipality = models.CharField(max_length=100, blank=True)
    sector = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "participation"], name="cmkq_one_response_per_school"
            )
        ]
        indexes = [models.Index(fields=["questionnaire", "status"])]

    def __str__(self) -> str:
        return f"Response {self.pk}"

    @property
    def submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED


class Answer(models.Model):
    """The submitted answers as rows (written at submission, removed at reopening): what
    the analysis aggregates in SQL."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answer_rows")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="cmkq_one_answer")
        ]
        indexes = [
            models.Index(fields=["question", "response"], include=["value"], name="cmkq_answer_q")
        ]


class AnswerTotal(models.Model):
    """The submitted answers summed at the analysis' grain (question × municipality ×
    sector), kept in the transaction of every submission (added) and reopening
    (subtracted), so the regional analysis reads about a thousand rows instead of
    aggregating every answer (`services/analysis.py`)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    municipality = models.CharField(max_length=100, blank=True)
    sector = models.CharField(max_length=12, blank=True)
    total = models.BigIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "municipality", "sector"], name="cmkq_one_answer_total"
            )
        ]
        indexes = [models.Index(fields=["questionnaire"], name="cmkq_total_questionnaire")]


class Reopening(models.Model):
    """Staff reopened a submitted response (audited); the answers it had are kept."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="reopenings")
    at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(max_length=2000)
    answers_before = models.JSONField(default=dict)
    submitted_at_before = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-at", "-id"]


class Invitation(models.Model):
    """One invitation (or reminder) e-mail round to one school for one questionnaire."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="invitations"
    )
    participation = models.ForeignKey(
        "cmk.Participation", on_delete=models.CASCADE, related_name="+"
    )
    round = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=clock.now)
    sent_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "participation", "round"], name="cmkq_invitation_round"
            )
        ]


class BudgetYear(models.Model):
    """The plan and realisation of one programme year, with the schools' in-kind hours."""

    programme = models.ForeignKey("cmk.Programme", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    inkind_po_planned = models.PositiveIntegerField(default=0)
    inkind_vo_planned = models.PositiveIntegerField(default=0)
    inkind_po_realised = models.PositiveIntegerField(null=True, blank=True)
    inkind_vo_realised = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["programme", "year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="cmkb_one_budget_year")
        ]


class BudgetLine(models.Model):
    budget = models.ForeignKey(BudgetYear, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(max_length=30, choices=Category.choices)
    planned_cents = models.BigIntegerField(default=0)
    realised_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["budget", "category"], name="cmkb_one_line"),
            models.CheckConstraint(condition=Q(planned_cents__gte=0), name="cmkb_planned_gte0"),
            models.CheckConstraint(
                condition=Q(realised_cents__isnull=True) | Q(realised_cents__gte=0),
                name="cmkb_realised_gte0",
            ),
        ]


class Matching(models.Model):
    """A municipality's matching of the national grant in one year."""

    budget = models.ForeignKey(BudgetYear, on_delete=models.CASCADE, related_name="matching")
    municipality = models.ForeignKey("cmk.Municipality", on_delete=models.PROTECT, related_name="+")
    planned_cents = models.BigIntegerField(default=0)
    realised_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "municipality"], name="cmkb_one_matching"),
            models.CheckConstraint(condition=Q(planned_cents__gte=0), name="cmkb_match_gte0"),
        ]


class FunderReport(models.Model):
    """A frozen yearly account for the funder: the figures as JSON with their SHA-256. The
    workbook and the PDF are rendered from `figures` only, so they never change."""

    programme = models.ForeignKey(
        "cmk.Programme", on_delete=models.PROTECT, related_name="funder_reports"
    )
    year = models.PositiveSmallIntegerField()
    figures = models.JSONField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "year"])]


class AnalysisStamp(models.Model):
    """The generation of a programme's questionnaire results: bumped in the same
    transaction by every write that changes what the analysis shows (a submission, a
    reopening, a change of questions), so a stored analysis of an older generation is
    never served."""

    programme = models.OneToOneField(
        "cmk.Programme", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    generation = models.PositiveBigIntegerField(default=0)


class StoredAnalysis(models.Model):
    """The regional analysis (already suppressed) of one questionnaire or of all years, as
    computed for `generation`: reading it is one row instead of the aggregation."""

    programme = models.ForeignKey("cmk.Programme", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=20)  # "q<id>" or "all"
    generation = models.PositiveBigIntegerField()
    result = models.JSONField()
    computed_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "key"], name="cmka_one_stored_analysis")
        ]
