"""Seed the taxonomies from SPEC §10 and the source documents (000, 001 §1.5, 002 §2.1.1,
§3.1.1). A copy of the data, frozen with the migration: later changes are made in the back
office. Idempotent: an existing (vocabulary, code) is left as it is."""

from django.db import migrations

DISCIPLINES = [
    ("theatre", "Theater", "Theatre"),
    ("dance", "Dans", "Dance"),
    ("music", "Muziek", "Music"),
    ("music_theatre", "Muziektheater", "Music theatre"),
    ("visual_arts", "Beeldende kunst", "Visual arts"),
    ("film", "Film", "Film"),
    ("photography", "Fotografie", "Photography"),
    ("literature", "Literatuur", "Literature"),
    ("heritage", "Erfgoed", "Heritage"),
    ("design", "Vormgeving en design", "Design"),
    ("architecture", "Architectuur", "Architecture"),
    ("media_arts", "Media en digitale cultuur", "Media and digital culture"),
    ("interdisciplinary", "Interdisciplinair", "Interdisciplinary"),
]
FORMATS = [
    ("performance", "Voorstelling", "Performance"),
    ("workshop", "Workshop", "Workshop"),
    ("guided_tour", "Rondleiding", "Guided tour"),
    ("lesson_series", "Lessenreeks", "Lesson series"),
    ("exhibition", "Tentoonstelling", "Exhibition"),
    ("concert", "Concert", "Concert"),
    ("film_screening", "Filmvoorstelling", "Film screening"),
    ("lecture", "Lezing of gesprek", "Lecture or talk"),
    ("project", "Project", "Project"),
]
# MBO citizenship (burgerschap): the four dimensions of the qualification requirements and
# digital literacy, the themes by which offers for MBO are sorted (000).
THEMES = [
    ("political_legal", "Politiek-juridische dimensie", "Political and legal dimension"),
    ("economic", "Economische dimensie", "Economic dimension"),
    ("social", "Sociaal-maatschappelijke dimensie", "Social dimension"),
    ("vitality", "Dimensie vitaal burgerschap", "Vital citizenship"),
    ("digital_literacy", "Digitale geletterdheid", "Digital literacy"),
]
# VO school types (002 §2.1.1) with their years; MBO levels 1–4 (SPEC §2).
VO_TYPES = [
    ("vo-pro", "Praktijkonderwijs", "Practical education", 4),
    ("vo-vmbo", "Vmbo", "Vmbo (pre-vocational)", 4),
    ("vo-havo", "Havo", "Havo (senior general secondary)", 5),
    ("vo-vwo", "Vwo", "Vwo (pre-university)", 6),
    ("vo-vso", "Voortgezet speciaal onderwijs", "Special secondary education", 0),
]
MBO_LEVELS = [
    ("mbo-1", "MBO niveau 1 (entree)", "MBO level 1 (entry)"),
    ("mbo-2", "MBO niveau 2", "MBO level 2"),
    ("mbo-3", "MBO niveau 3", "MBO level 3"),
    ("mbo-4", "MBO niveau 4", "MBO level 4"),
]
PROVINCES = [
    ("groningen", "Groningen", "Groningen"),
    ("fryslan", "Fryslân", "Friesland"),
    ("drenthe", "Drenthe", "Drenthe"),
    ("overijssel", "Overijssel", "Overijssel"),
    ("flevoland", "Flevoland", "Flevoland"),
    ("gelderland", "Gelderland", "Gelderland"),
    ("utrecht", "Utrecht", "Utrecht"),
    ("noord-holland", "Noord-Holland", "North Holland"),
    ("zuid-holland", "Zuid-Holland", "South Holland"),
    ("zeeland", "Zeeland", "Zeeland"),
    ("noord-brabant", "Noord-Brabant", "North Brabant"),
    ("limburg", "Limburg", "Limburg"),
]
ACCESS = [
    ("wheelchair", "Rolstoeltoegankelijk", "Wheelchair accessible"),
    ("adapted_toilet", "Aangepast toilet", "Accessible toilet"),
    ("hearing_loop", "Ringleiding", "Hearing loop"),
    ("sign_language", "Met tolk Nederlandse Gebarentaal", "Sign language interpreter"),
    ("subtitles", "Ondertiteling of boventiteling", "Subtitles or surtitles"),
    ("audio_description", "Audiodescriptie", "Audio description"),
    ("low_stimulus", "Prikkelarm", "Low-stimulus"),
    ("easy_language", "In eenvoudige taal", "In plain language"),
]


def seed(apps, schema_editor):
    Term = apps.get_model("marketplace", "Term")

    def add(vocabulary, code, nl, en, position, **extra):
        term, _ = Term.objects.get_or_create(
            vocabulary=vocabulary,
            code=code,
            defaults={"label_nl": nl, "label_en": en, "position": position, **extra},
        )
        return term

    for vocabulary, rows in (
        ("discipline", DISCIPLINES),
        ("format", FORMATS),
        ("theme", THEMES),
        ("province", PROVINCES),
        ("access", ACCESS),
    ):
        for i, (code, nl, en) in enumerate(rows):
            add(vocabulary, code, nl, en, (i + 1) * 10)
    position = 0
    for code, nl, en, years in VO_TYPES:
        position += 10
        parent = add("level", code, nl, en, position, kind="vo")
        for year in range(1, years + 1):
            position += 10
            add(
                "level",
                f"{code}-{year}",
                f"{nl} leerjaar {year}",
                f"{en} year {year}",
                position,
                kind="vo",
                parent=parent,
            )
    for code, nl, en in MBO_LEVELS:
        position += 10
        add("level", code, nl, en, position, kind="mbo")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_offers_and_taxonomies")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
