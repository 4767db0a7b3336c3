"""Forms of the teaching pages (dossier). They collect input in the API's shape; the rules
are the services' (teaching.services), whose field errors land on these fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cultuurkaart.dossier.constants import COMPETENCIES
from cultuurkaart.teaching.constants import MaterialScope

COMPETENCY_CHOICES = list(COMPETENCIES.items())  # codes with the dossier's labels


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AssignmentForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    instructions = forms.CharField(
        label=_("Instructie"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    classes = forms.MultipleChoiceField(
        label=_("Klassen"), required=False, widget=forms.CheckboxSelectMultiple
    )
    groups = forms.MultipleChoiceField(
        label=_("Groepen"), required=False, widget=forms.CheckboxSelectMultiple
    )
    students = forms.MultipleChoiceField(
        label=_("Of losse leerlingen"), required=False, widget=forms.SelectMultiple
    )
    opens_at = forms.DateTimeField(label=_("Open vanaf"), required=False, widget=DateTimeLocal())
    due_at = forms.DateTimeField(label=_("Inleveren vóór"), widget=DateTimeLocal())
    cutoff_at = forms.DateTimeField(
        label=_("Uiterlijk (daarna gesloten)"), required=False, widget=DateTimeLocal()
    )
    accepts_text = forms.BooleanField(label=_("Tekst inleveren"), required=False, initial=True)
    max_files = forms.IntegerField(
        label=_("Aantal bestanden (0–10)"), min_value=0, max_value=10, initial=1
    )
    word_limit = forms.IntegerField(label=_("Woordlimiet"), required=False, min_value=1)
    competencies = forms.MultipleChoiceField(
        label=_("Competenties"),
        choices=COMPETENCY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rubric = forms.CharField(
        label=_("Rubric (optioneel)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Eén criterium per regel: naam, dan de niveaus, gescheiden door |. "
            "Bijvoorbeeld: Onderzoek | begin | op weg | sterk"
        ),
    )
    materials = forms.MultipleChoiceField(
        label=_("Lesmateriaal"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args,
        class_choices=(),
        student_choices=(),
        material_choices=(),
        group_choices=(),
        **kw,
    ):
        super().__init__(*args, **kw)
        self.fields["classes"].choices = list(class_choices)
        self.fields["groups"].choices = list(group_choices)
        self.fields["students"].choices = list(student_choices)
        self.fields["materials"].choices = list(material_choices)

    def rubric_data(self) -> dict | None:
        lines = [
            line for line in (self.cleaned_data.get("rubric") or "").splitlines() if line.strip()
        ]
        if not lines:
            return None
        criteria = []
        for line in lines:
            name, *levels = [part.strip() for part in line.split("|")]
            criteria.append({"name": name, "levels": [level for level in levels if level]})
        return {"criteria": criteria}


class GroupForm(forms.Form):
    """A named group within a class: its name and the students of the class in it."""

    name = forms.CharField(
        label=_("Naam van de groep"),
        max_length=100,
        help_text=_("Bijvoorbeeld: Groep A – dans"),
    )
    students = forms.MultipleChoiceField(
        label=_("Leerlingen in deze groep"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, student_choices=(), **kw):
        super().__init__(*args, **kw)
        self.fields["students"].choices = list(student_choices)


class FeedbackForm(forms.Form):
    comment = forms.CharField(
        label=_("Feedback"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    grade = forms.CharField(label=_("Cijfer of oordeel (optioneel)"), required=False, max_length=20)


class ExtensionForm(forms.Form):
    students = forms.MultipleChoiceField(label=_("Leerlingen"), widget=forms.CheckboxSelectMultiple)
    due_at = forms.DateTimeField(label=_("Nieuwe inleverdatum"), widget=DateTimeLocal())
    cutoff_at = forms.DateTimeField(
        label=_("Nieuwe uiterste datum (optioneel)"), required=False, widget=DateTimeLocal()
    )
    reason = forms.CharField(label=_("Reden"), max_length=500)

    def __init__(self, *args, student_choices=(), **kw):
        super().__init__(*args, **kw)
        self.fields["students"].choices = list(student_choices)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Notitie"), widget=forms.Textarea(attrs={"rows": 3}))


class ConversationForm(forms.Form):
    held_on = forms.DateField(
        label=_("Datum"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    participants = forms.CharField(label=_("Deelnemers"), max_length=300)
    summary = forms.CharField(
        label=_("Samenvatting (de leerling ziet deze)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    next_learning_question = forms.CharField(
        label=_("Volgende leervraag"), required=False, max_length=300
    )


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    description = forms.CharField(
        label=_("Beschrijving"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    link = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    scope = forms.ChoiceField(label=_("Delen met"), choices=MaterialScope.choices)
    competencies = forms.MultipleChoiceField(
        label=_("Competenties"),
        choices=COMPETENCY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    file = forms.FileField(label=_("Bijlage (PDF, optioneel)"), required=False)


class ProviderMaterialForm(MaterialForm):
    scope = None


class WorkForm(forms.Form):
    text = forms.CharField(
        label=_("Jouw tekst"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    media = forms.MultipleChoiceField(
        label=_("Bestanden uit je dossier"), required=False, widget=forms.CheckboxSelectMultiple
    )
    upload = forms.FileField(
        label=_("Nieuw bestand toevoegen (foto, video, audio of pdf)"), required=False
    )
    alt = forms.CharField(
        label=_("Wat is er te zien? (voor wie het niet kan zien)"), required=False, max_length=300
    )

    def __init__(self, *args, media_choices=(), **kw):
        super().__init__(*args, **kw)
        self.fields["media"].choices = list(media_choices)
