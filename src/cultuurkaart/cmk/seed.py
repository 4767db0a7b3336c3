"""The Amstelland programme of seed 003 (CmK Amstelland 2025–2028) as data.

Loaded by the data migration `0002_amstelland` (so every database has it, API.md: its code is
`cmk-amstelland-2025`) and by `manage.py seed_cmk` (idempotent: restores missing parts, never
changes what the programme office changed). The budget of seed 003 §9 is loaded by
`cmk_evaluation`. Every function takes a model getter (`apps.get_model` in a migration)."""

from __future__ import annotations

import datetime as dt

CODE = "cmk-amstelland-2025"

PROGRAMME = {
    "code": CODE,
    "name": "CmK Amstelland 2025–2028",
    "starts_on": dt.date(2025, 1, 1),
    "ends_on": dt.date(2028, 12, 31),
}

PHASES = [
    ("Fase 1 (2025–2026)", dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    ("Fase 2 (2027–2028)", dt.date(2027, 1, 1), dt.date(2028, 12, 31)),
]

LINES = [
    (
        "A",
        "Kwaliteitsverbetering door visievorming en samenwerking",
        "Duurzame kwaliteitsverbetering van cultuureducatie door samenwerking tussen het "
        "onderwijs, de culturele sector en de gemeenten.",
    ),
    (
        "B",
        "Professionalisering en bewustwording",
        "Vergroten van de professionalisering van leraren, vakdocenten, de culturele sector en "
        "de penvoerder.",
    ),
    (
        "C",
        "Verbinding binnen- en buitenschools",
        "Verbinden van binnen- en buitenschools aanbod om de culturele omgeving dichter bij de "
        "leerling te brengen.",
    ),
]

# Seed 003 §4 "Gemeentelijke differentiatie". The plan gives the municipalities' matching only
# as a total (§9, €134,812 a year); the split per municipality is not in the source, so it
# starts empty (None) and the office fills it in (decision CMK-3).
MUNICIPALITIES = {
    "Amstelveen": [
        "Verbinding binnen- en buitenschools aanbod, de culturele omgeving dichtbij brengen "
        "voor PO- en VO-jeugd, met gelijke kansen (focuswijken).",
        "Samenwerking tussen culturele instellingen en onderwijs bestendigen.",
        "Nadruk op deelname nieuwe scholen.",
        "Best practices uit het land en omliggende regio's vertalen naar de lokale situatie.",
        "Zichtbaarheid en bekendheid van het aanbod cultuureducatie.",
        "Inclusie en diversiteit van het cultuuraanbod.",
    ],
    "Aalsmeer": [
        "Stimuleren van actieve deelname aan kunst en cultuur.",
        "Kunst en cultuur inzetten als middel voor verbinding en educatie.",
        "Stimuleren van kennismakingsonderwijs binnen- en buitenschools.",
        "Afgestemde activiteiten en maatregelen van onderwijs en jeugd.",
        "Samenwerking van lokale kunst- en cultuurorganisaties bevorderen.",
        "Meer lokale cultuuractiviteiten in het aanbod op scholen.",
        "Verbinding met lokale amateurkunst en het onderwijs.",
    ],
    "Uithoorn": [
        "Cultuureducatie versterken en bestendigen.",
        "Verbinding binnen- en buitenschools in combinatie met cultuurcoaches.",
        "Kunst in de openbare ruimte waarbij leerlingen worden betrokken.",
        "Cultuureducatie laten participeren in de klankbordgroep Cultuur.",
    ],
    "Ouder-Amstel": [
        "Alle scholen nemen actief deel aan cultuureducatie.",
        "Verbinding binnen- en buitenschools per kern met lokale partners en "
        "amateurkunstverenigingen.",
        "Ondersteunen van de professionalisering van cultuuraanbieders in Ouder-Amstel.",
        "Samenwerking tussen culturele organisaties en erfgoedlocaties.",
    ],
}

TRACKS = [
    {
        "code": "track-1",
        "name": "Spoor 1: bestaande scholen (borging)",
        "cyclic": True,
        "prospect_until_step": None,
        "completes_to": "",
        "steps": [
            "Waar staat de school op dit moment",
            "Welke veranderingen verwacht de school komend jaar",
            "Welke stappen zijn nodig om de gerealiseerde kwaliteit te blijven borgen",
            "Plan van aanpak (teamtrainingen, bijscholing, cultuurbeleid, activiteitenaanbod)",
            "Uitvoering plan van aanpak (documentatie, overleg, monitoring en evaluatie)",
        ],
    },
    {
        "code": "track-2",
        "name": "Spoor 2: nieuwe scholen PO en VO",
        "cyclic": False,
        "prospect_until_step": 2,
        "completes_to": "track-1",
        "steps": [
            "Waar staat de school op dit moment (nulmeting, Evi of Evi VO)",
            "Beleven van successen en bewust worden van de ambitie",
            "Opleiden van icc'ers en cultuurcoördinatoren",
            "Formuleren van ambities, visie, eigen deskundigheid en aandachtsgebieden",
            "Team meenemen en actief betrekken",
            "Welke stappen zijn nodig om de gewenste kwaliteit te blijven ontwikkelen",
            "Plan van aanpak (trainingen, cultuurplan, aanbod, samenwerken)",
            "Uitvoering plan van aanpak (documentatie, overleg, monitoring en evaluatie)",
        ],
    },
]

# Seed 003 §4 "Resultaten over 2 en 4 jaar – in aantallen" (2026, 2028, total; unique counts).
INDICATORS = [
    ("existing-schools", "Borging kwaliteit bestaande scholen", "existing-schools", 33, 0, 33),
    ("new-tracks-po", "Trajecten nieuwe scholen PO", "new-tracks-po", 3, 2, 5),
    ("new-tracks-vo", "Trajecten nieuwe scholen VO", "new-tracks-vo", 2, 2, 4),
    ("connections", "Verbinding binnen- en buitenschools", "connections", 6, 3, 9),
    ("knowledge-meetings", "Kennisdelingsbijeenkomsten", "knowledge-meetings", 4, 4, 8),
]

# The funder's yearly accountability date (decision CMK-4: 1 July of the following year).
DEADLINES = [
    (
        "funder",
        f"Verantwoording aan het Fonds voor Cultuurparticipatie over {year}",
        dt.date(year + 1, 7, 1),
    )
    for year in range(2025, 2029)
]


def load(get_model) -> object:
    """Create (or complete) the Amstelland programme; returns it."""
    Programme = get_model("cmk", "Programme")
    Phase = get_model("cmk", "Phase")
    Line = get_model("cmk", "Line")
    Municipality = get_model("cmk", "Municipality")
    Track = get_model("cmk", "Track")
    TrackStep = get_model("cmk", "TrackStep")
    Indicator = get_model("cmk", "Indicator")
    Target = get_model("cmk", "Target")
    Deadline = get_model("cmk", "Deadline")

    programme, _ = Programme.objects.get_or_create(code=CODE, defaults=PROGRAMME)
    for name, starts_on, ends_on in PHASES:
        Phase.objects.get_or_create(
            programme=programme, name=name, defaults={"starts_on": starts_on, "ends_on": ends_on}
        )
    for code, name, description in LINES:
        Line.objects.get_or_create(
            programme=programme, code=code, defaults={"name": name, "description": description}
        )
    for name, goals in MUNICIPALITIES.items():
        Municipality.objects.get_or_create(
            programme=programme, name=name, defaults={"goals": "\n".join(goals)}
        )
    for data in TRACKS:
        if Track.objects.filter(programme=programme, code=data["code"]).exists():
            continue
        track = Track.objects.create(
            programme=programme,
            code=data["code"],
            version=1,
            is_current=True,
            name=data["name"],
            cyclic=data["cyclic"],
            prospect_until_step=data["prospect_until_step"],
            completes_to=data["completes_to"],
        )
        for number, name in enumerate(data["steps"], start=1):
            TrackStep.objects.create(track=track, number=number, name=name)
    for position, (code, name, rule, y2026, y2028, total) in enumerate(INDICATORS):
        indicator, created = Indicator.objects.get_or_create(
            programme=programme,
            code=code,
            defaults={"name": name, "rule": rule, "position": position},
        )
        if created:
            Target.objects.create(indicator=indicator, year=2026, value=y2026)
            Target.objects.create(indicator=indicator, year=2028, value=y2028)
            Target.objects.create(indicator=indicator, year=None, value=total)
    for kind, title, due_on in DEADLINES:
        Deadline.objects.get_or_create(
            programme=programme, kind=kind, due_on=due_on, defaults={"title": title}
        )
    return programme


def unload(get_model) -> None:
    Programme = get_model("cmk", "Programme")
    Programme.objects.filter(code=CODE, participations__isnull=True).delete()
