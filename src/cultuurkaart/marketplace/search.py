"""The offer search (issue 11 point 4): one service behind `GET /api/v1/offers` and the
school's search page; suggestions and the public provider list (point 5).

Text (decisions MS-1, MS-2): `Offer.search_text` holds the folded, Snowball-stemmed words;
the query goes through the same functions (`marketplace.text`).
- PostgreSQL: stored tsvectors with GIN indexes: `search_words` (the stems, configuration
  `simple`) and `search_rev` (reversed) for matching (decision MS-8), `search_vector`
  (`ck_dutch`: `dutch` with `unaccent`) for ranking; a trigram (pg_trgm) GIN index on
  `search_text` for typos (`<%`, word similarity, stems ≥ 5), only when the exact words find
  nothing (slow on common text: decision MS-4).
- SQLite: the FTS5 table `marketplace_offer_fts(stems, rev)`, rowid = offer id, written by
  `index_offers` from `refresh_search_text`; `rev` holds every stem reversed.
- Compounds: Dutch compounds are head-final ("muziektheater" is a theater), so a query
  stem of ≥ 3 letters matches an indexed word that starts with it (prefix) or ends with it
  (PostgreSQL: `w:*` on `search_words` or the reversed `w:*` on `search_rev`; SQLite: a
  prefix query on the reversed stems). Shorter words match whole words only. `"…"` is a phrase of stems in order,
  `-word` excludes an offer containing the word (same rule, no typos).
Facets (API.md): OR within a facet, AND across facets; counts per value are disjunctive
(every other facet applied, not the facet itself)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce

from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.providers.constants import ProviderStatus
from cultuurkaart.providers.models import Provider

from . import geo
from .constants import LocationMode, OfferStatus, PriceModel, Vocabulary
from .loading import load_offers
from .models import Offer, OfferSession, Term
from .text import Query, parse_query

DEFAULT_GROUP_SIZE = 25  # API.md: a group price is divided by group_size, default 25
SORTS = ("relevance", "distance", "newest", "price")
FTS_TABLE = "marketplace_offer_fts"
AFFIX_MIN = 3  # shorter stems match whole words only
TYPO_MIN = 5  # PostgreSQL typo tolerance (trigram word similarity) from this length
MAX_KM = Decimal("500")
# Facet → (query parameter, vocabulary, offer relation).
FACETS = {
    "disciplines": ("discipline", Vocabulary.DISCIPLINE, "disciplines"),
    "themes": ("theme", Vocabulary.THEME, "themes"),
    "levels": ("level", Vocabulary.LEVEL, "levels"),
    "provinces": ("province", Vocabulary.PROVINCE, "provinces"),
    "formats": ("format", Vocabulary.FORMAT, "format"),
    "access": ("access", Vocabulary.ACCESS, "access"),
}


@dataclass
class Filters:
    """A search as the URL carries it (API.md `GET /offers`)."""

    q: str = ""
    codes: dict[str, list[str]] = field(default_factory=dict)  # facet → codes
    national: bool = False
    at_school: bool = False
    max_price_per_student: Decimal | None = None
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    school: object | None = None  # a School the caller may act for
    within_km: Decimal | None = None
    fits_budget: bool = False  # needs school: one group's price fits what remains
    sort: str = ""
    typos: bool = False  # set by `search` when the exact words found nothing (PostgreSQL)
    # facet → the ids of the terms its codes select (`_facet_term_ids`), set by `filters_from`
    term_ids: dict[str, list[int]] = field(default_factory=dict)

    def query(self) -> Query:
        return parse_query(self.q)


def _error(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"field": field_name, "code": "invalid", "message": message}]
    )


def _true(value: str | None, name: str) -> bool:
    if value in (None, "", "false", "0"):
        return False
    if value in ("true", "1", "on"):
        return True
    raise _error(name, "true or false")


def _decimal(value: str | None, name: str, maximum: Decimal) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= maximum:
        raise _error(name, f"a number from 0 to {maximum}")
    return number


def _date(value: str | None, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _error(name, "a date (YYYY-MM-DD)") from None


def filters_from(params, school=None) -> Filters:
    """Read and check the parameters (a QueryDict); unknown codes are 422 naming the field.
    `school` is the School of the `school` parameter, already checked by the caller."""
    known: dict[str, dict[str, tuple[int, int | None]]] = {}
    for pk, vocabulary, code, parent_id in Term.objects.values_list(
        "pk", "vocabulary", "code", "parent_id"
    ):
        known.setdefault(vocabulary, {})[code] = (pk, parent_id)
    codes: dict[str, list[str]] = {}
    term_ids: dict[str, list[int]] = {}
    for facet, (param, vocabulary, _) in FACETS.items():
        values = sorted({v for v in params.getlist(param) if v})
        terms = known.get(vocabulary, {})
        unknown = [v for v in values if v not in terms]
        if unknown:
            raise _error(param, f"unknown code: {unknown[0][:40]}")
        if values:
            codes[facet] = values
            term_ids[facet] = _facet_term_ids(facet, values, terms)
    sort = params.get("sort") or ""
    if sort and sort not in SORTS:
        raise _error("sort", "relevance, distance, newest or price")
    within = _decimal(params.get("within_km"), "within_km", MAX_KM)
    if within is not None and school is None:
        raise _error("within_km", "within_km needs school")
    if sort == "distance" and school is None:
        raise _error("sort", "sort=distance needs school")
    fits_budget = _true(params.get("fits_budget"), "fits_budget")
    if fits_budget and school is None:
        raise _error("fits_budget", "fits_budget needs school")
    filters = Filters(
        q=(params.get("q") or "")[:500],
        codes=codes,
        national=_true(params.get("national"), "national"),
        at_school=_true(params.get("at_school"), "at_school"),
        max_price_per_student=_decimal(
            params.get("max_price_per_student"), "max_price_per_student", Decimal("100000")
        ),
        date_from=_date(params.get("date_from"), "date_from"),
        date_until=_date(params.get("date_until"), "date_until"),
        school=school,
        within_km=within,
        fits_budget=fits_budget,
        sort=sort,
        term_ids=term_ids,
    )
    if "\x00" in filters.q:
        raise _error("q", "no NUL characters")
    return filters


# --- the index ------------------------------------------------------------------------------


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def index_offers(texts: dict[int, str]) -> None:
    """Write the SQLite FTS5 rows of offers (id → search_text). PostgreSQL indexes the
    column itself (expression and trigram indexes), so nothing is written there."""
    if _is_postgres() or not texts:
        return
    rows = [(pk, text, " ".join(w[::-1] for w in text.split())) for pk, text in texts.items()]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, stems, rev) VALUES (%s, %s, %s)",  # noqa: S608
            rows,
        )


def _fts_word(stem: str) -> str:
    if len(stem) < AFFIX_MIN:
        return f'stems : "{stem}"'
    return f'(stems : "{stem}" * OR rev : "{stem[::-1]}" *)'


def _fts_expression(query: Query, *, positive: bool) -> str:
    if positive:
        parts = [_fts_word(w) for w in query.words]
        parts += ['stems : "{}"'.format(" ".join(p)) for p in query.phrases]
        expression = " AND ".join(parts)
        if query.excluded:
            expression = f"({expression}) NOT ({_fts_excluded(query)})"
        return expression
    return _fts_excluded(query)


def _fts_excluded(query: Query) -> str:
    return " OR ".join(_fts_word(w) for w in query.excluded)


def _pg_word(stem: str, *, typos: bool) -> tuple[str, list]:
    """A row predicate answered from GIN indexes alone (decision MS-8): a whole word for a
    short stem; otherwise a word that starts with the stem (`search_words`) or ends with it
    (`search_rev`, the reversed stem as a prefix), and with `typos` the trigram word
    similarity on `search_text`."""
    if len(stem) < AFFIX_MIN:  # whole words only
        return "marketplace_offer.search_words @@ to_tsquery('simple', %s)", [_lexeme(stem)]
    sql = (
        "(marketplace_offer.search_words @@ to_tsquery('simple', %s)"
        " OR marketplace_offer.search_rev @@ to_tsquery('simple', %s)"
    )
    params: list = [_lexeme(stem) + ":*", _lexeme(stem[::-1]) + ":*"]
    if typos and len(stem) >= TYPO_MIN:
        sql += " OR %s <%% marketplace_offer.search_text"
        params.append(stem)
    return sql + ")", params


def _lexeme(word: str) -> str:
    """A tsquery operand: the folded stem quoted (it holds letters and digits only, but a
    quote keeps any character from being read as an operator)."""
    return "'" + word.replace("'", "''") + "'"


def _text_filter(qs, query: Query, *, typos: bool = False):
    """Only the offers that match the text (both databases; see the module docstring).
    `typos` (PostgreSQL): also words similar to a query word (used when nothing matched)."""
    if not query:
        return qs
    if _is_postgres():
        clauses, params = [], []
        for word in query.words:
            sql, p = _pg_word(word, typos=typos)
            clauses.append(sql)
            params += p
        for phrase in query.phrases:  # the stems next to each other, in order
            clauses.append("marketplace_offer.search_words @@ phraseto_tsquery('simple', %s)")
            params.append(" ".join(phrase))
        for word in query.excluded:
            sql, p = _pg_word(word, typos=False)
            clauses.append(f"NOT {sql}")
            params += p
        return qs.extra(where=[" AND ".join(clauses)], params=params)  # noqa: S610
    where, params = [], []
    if query.positive:
        where.append(
            f"marketplace_offer.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"  # noqa: S608
        )
        params.append(_fts_expression(query, positive=True))
    elif query.excluded:
        where.append(
            f"marketplace_offer.id NOT IN"  # noqa: S608
            f" (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
        )
        params.append(_fts_expression(query, positive=False))
    return qs.extra(where=where, params=params)  # noqa: S610


def _with_rank(qs, query: Query):
    """`rank` (higher is better) to order by, for a query with words or phrases (an alias: a
    count leaves it out)."""
    if not query.positive:
        return qs.alias(rank=Value(0.0, output_field=FloatField()))
    if _is_postgres():
        terms = " | ".join(
            [f"{w}:*" for w in query.words] + [" <-> ".join(p) for p in query.phrases]
        )
        return qs.alias(
            rank=RawSQL(
                "ts_rank(marketplace_offer.search_vector, to_tsquery('ck_dutch', %s))",
                [terms],
                output_field=FloatField(),
            )
        )
    # SQLite (decision MS-9): bm25 of every match, computed by ONE FTS5 query into a temporary
    # table of this connection (named after the query, made again for each search: never
    # stale), then looked up by id. bm25 computed per offer row (a join, or a correlated
    # subquery) re-reads the whole doclist of each query word for every row: 1.8 s for 393
    # results of 20,000 offers; one query for all 7,316 matches is about 10 ms.
    expression = _fts_expression(query, positive=True)
    table = "ck_rank_" + hashlib.sha256(expression.encode()).hexdigest()[:16]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS temp.{table}")
        cursor.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY, r REAL)")
        cursor.execute(
            f"INSERT INTO temp.{table} SELECT rowid, -bm25({FTS_TABLE}) FROM {FTS_TABLE}"  # noqa: S608
            f" WHERE {FTS_TABLE} MATCH %s",
            [expression],
        )
    return qs.alias(
        rank=RawSQL(  # noqa: S611 (the table name is a hash; no caller text in the SQL)
            f"(SELECT r FROM temp.{table} WHERE id = marketplace_offer.id)",  # noqa: S608
            [],
            output_field=FloatField(),
        )
    )


# --- the search -----------------------------------------------------------------------------


def searchable():
    """Published offers of providers that may still offer (accepted, or a revocation not
    yet effective: providers.services.may_create_weborders, in SQL)."""
    today = clock.now().astimezone(clock.AMSTERDAM).date()
    S = ProviderStatus
    may_offer = Q(provider__status__in=[S.ACCEPTED, S.REVOCATION_ON_HOLD]) | Q(
        Q(provider__revocation_effective_on__isnull=True)
        | Q(provider__revocation_effective_on__gt=today),
        provider__status=S.REVOCATION_ANNOUNCED,
    )
    return Offer.objects.filter(may_offer, status=OfferStatus.PUBLISHED)


def _through(relation: str):
    return getattr(Offer, relation).through.objects


def _facet_term_ids(facet: str, codes: list[str], terms: dict) -> list[int]:
    """The term ids a facet's codes select (`terms`: code → (id, parent id) of the facet's
    vocabulary): the terms themselves; for levels also the years of a chosen type and the
    type of a chosen year (the rule of `_facet_q`)."""
    chosen = {terms[code][0] for code in codes}
    ids = set(chosen)
    if facet == "levels":
        ids |= {pk for pk, parent in terms.values() if parent in chosen}  # a type's years
        ids |= {parent for pk, parent in map(terms.get, codes) if parent}  # a year's type
    return sorted(ids)


def _facet_q(facet: str, codes: list[str], ids: list[int] | None = None) -> Q:
    """The offers a facet's codes select. `ids` (from `Filters.term_ids`): the same terms by
    id, so the query needs no join with the term table (decision MS-12)."""
    relation = FACETS[facet][2]
    if ids is not None:
        if facet == "formats":
            return Q(format_id__in=ids)
        links = _through(relation).filter(term_id__in=ids).values("offer_id")
        if facet == "provinces":
            return Q(venue_province__in=codes) | Q(pk__in=links) | Q(national=True)
        return Q(pk__in=links)
    if facet == "formats":
        return Q(format__code__in=codes)
    if facet == "levels":
        # A type matches its years, and a year matches an offer for its whole type.
        parents = Term.objects.filter(
            vocabulary=Vocabulary.LEVEL, code__in=codes, parent__isnull=False
        ).values("parent_id")
        links = _through("levels").filter(
            Q(term__code__in=codes) | Q(term__parent__code__in=codes) | Q(term_id__in=parents)
        )
        return Q(pk__in=links.values("offer_id"))
    if facet == "provinces":
        # Located there, or coming to schools there (its provinces; national = all twelve).
        coming = _through("provinces").filter(term__code__in=codes).values("offer_id")
        return Q(venue_province__in=codes) | Q(pk__in=coming) | Q(national=True)
    return Q(pk__in=_through(relation).filter(term__code__in=codes).values("offer_id"))


def _price_per_student():
    return Case(
        When(
            price_model=PriceModel.PER_GROUP,
            then=F("price") / Coalesce(F("group_size"), Value(DEFAULT_GROUP_SIZE)),
        ),
        default=F("price"),
        output_field=DecimalField(max_digits=14, decimal_places=4),
    )


def _price_per_group():
    """What one group costs the school (decision MR12): a group price as it is, a price per
    student times a class of 25 (the default group size of API.md)."""
    return Case(
        When(price_model=PriceModel.PER_GROUP, then=F("price")),
        default=F("price") * Value(DEFAULT_GROUP_SIZE),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )


def remaining_budget(school) -> Decimal | None:
    """The school's collective budget now minus its projected spend (accepted proposals and
    pending web orders from requests); None without a current programme."""
    from .services.request_insights import projected_spend

    return projected_spend(school).remaining


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.AMSTERDAM)


def _filtered(
    filters: Filters,
    *,
    without: str | None = None,
    typos: bool | None = None,
    text: bool = True,
):
    """The offers that pass every filter (but the facet `without`, for its counts)."""
    qs = searchable()
    for facet, codes in filters.codes.items():
        if facet != without:
            qs = qs.filter(_facet_q(facet, codes, filters.term_ids.get(facet)))
    if filters.national:
        qs = qs.filter(national=True)
    if filters.at_school:
        qs = qs.filter(location_mode=LocationMode.AT_SCHOOL)
    if filters.max_price_per_student is not None:
        qs = qs.alias(pps=_price_per_student()).filter(pps__lte=filters.max_price_per_student)
    if filters.fits_budget:
        remaining = remaining_budget(filters.school)
        if remaining is None or remaining < 0:
            return qs.none()
        qs = qs.alias(ppg=_price_per_group()).filter(ppg__lte=remaining)
    if filters.date_from or filters.date_until:
        sessions = OfferSession.objects.filter(offer=OuterRef("pk"))
        if filters.date_from:
            sessions = sessions.filter(starts_at__gte=_moment(filters.date_from))
        if filters.date_until:
            sessions = sessions.filter(
                starts_at__lt=_moment(filters.date_until + dt.timedelta(days=1))
            )
        qs = qs.filter(Exists(sessions))
    point = school_point(filters.school)
    if filters.within_km is not None:
        if point is None:
            return qs.none()
        qs = _with_distance(qs, point).filter(d2__lte=float(filters.within_km) ** 2)
    if not text:
        return qs
    if typos is None:
        typos = filters.typos
    return _text_filter(qs, filters.query(), typos=typos)


def school_point(school) -> tuple[float, float] | None:
    if school is None:
        return None
    cached = getattr(school, "_search_point", False)
    if cached is False:
        cached = geo.school_point(school)
        school._search_point = cached
    return cached


def _with_distance(qs, point: tuple[float, float]):
    """`d2`: the squared distance in km² on a flat projection around 52° N (orders and
    bounds; the shown `distance_km` is the great-circle distance); null without a venue."""
    lat = Cast("venue_latitude", FloatField())
    lon = Cast("venue_longitude", FloatField())
    dy = (lat - Value(point[0])) * Value(geo.KM_PER_DEG_LAT)
    dx = (lon - Value(point[1])) * Value(geo.KM_PER_DEG_LON)
    if "d2" in qs.query.annotations:
        return qs
    return qs.annotate(d2=dy * dy + dx * dx)


@dataclass
class Result:
    queryset: object  # ordered offers, annotated (rank, d2, pps, bookable)
    point: tuple[float, float] | None

    def distance_km(self, offer) -> float | None:
        if self.point is None or offer.venue_latitude is None:
            return None
        d = geo.distance_km(self.point, (float(offer.venue_latitude), float(offer.venue_longitude)))
        return round(d, 1)


def bookable_q():
    """Bookable now: on request (no sessions), or a session whose booking deadline is ahead
    (`loading.is_bookable` is the same rule for loaded sessions)."""
    now = clock.now()
    any_session = OfferSession.objects.filter(offer=OuterRef("pk"))
    open_session = any_session.filter(book_by__gte=now)
    return ~Exists(any_session) | Exists(open_session)


def search(filters: Filters) -> Result:
    """The ordered result (API.md): with text relevance, then distance, newest, id; without,
    distance (with a school), newest, id. `sort` puts its key first. On PostgreSQL a text
    that matches nothing exactly is searched again allowing typos."""
    if _typos_may_help(filters) and not _filtered(filters).exists():
        filters.typos = True  # nothing matched exactly: allow typos (trigram similarity)
    return _ordered(filters)


def _typos_may_help(filters: Filters) -> bool:
    return _is_postgres() and bool(filters.query().words) and not filters.typos


def _ordered(filters: Filters) -> Result:
    query = filters.query()
    point = school_point(filters.school)
    qs = _filtered(filters)
    if point is not None:
        qs = _with_distance(qs, point)
    qs = _with_rank(qs, query).annotate(
        pps=_price_per_student(),
        bookable=Case(When(bookable_q(), then=True), default=False, output_field=BooleanField()),
    )
    tail = []
    if query.positive:
        tail.append(F("rank").desc())
    if point is not None:
        tail.append(F("d2").asc(nulls_last=True))
    tail += [F("published_at").desc(nulls_last=True), F("id").desc()]
    first = {
        "relevance": F("rank").desc() if query.positive else None,
        "distance": F("d2").asc(nulls_last=True) if point is not None else None,
        "newest": F("published_at").desc(nulls_last=True),
        "price": F("pps").asc(),
    }.get(filters.sort)
    order = ([first] if first is not None else []) + tail
    qs = qs.select_related("provider", "format").order_by(*order)
    return Result(queryset=qs, point=point)


@dataclass
class Page:
    count: int
    offers: list  # Offer, with what `loading.attach` gives (codes, sessions, bookable, …)
    result: Result


def page(filters: Filters, start: int, size: int) -> Page:
    """One page of the search and the total, in two steps (decision MS-11): the ids of the
    page with `COUNT(*) OVER ()` from the narrow ordered query (the ranked search reads every
    match anyway; no wide rows go through the sort), then those offers with what is shown
    (`loading.load_offers`). The typo retry of `search` happens only when the exact words
    found nothing, instead of a separate existence query before every search."""
    result = _ordered(filters)
    rows = _page_ids(result.queryset, start, size)
    count = rows[0][1] if rows else (result.queryset.count() if start else 0)
    if not count and _typos_may_help(filters):
        filters.typos = True
        result = _ordered(filters)
        rows = _page_ids(result.queryset, start, size)
        count = rows[0][1] if rows else (result.queryset.count() if start else 0)
    return Page(count=count, offers=load_offers([pk for pk, _ in rows]), result=result)


def _page_ids(qs, start: int, size: int) -> list[tuple[int, int]]:
    from django.db.models import Window

    return list(
        qs.annotate(ck_total=Window(Count("pk"))).values_list("pk", "ck_total")[
            start : start + size
        ]
    )


def facet_counts(filters: Filters) -> dict[str, dict[str, int]]:
    """Per facet, per code: how many results that value would give with every other
    filter applied (disjunctive counts); a level type counts the offers of its years."""
    out: dict[str, dict[str, int]] = {}
    for facet, (_, _, relation) in FACETS.items():
        qs = _filtered(filters, without=facet)
        if facet == "provinces":  # the province rule: one query, a count per province
            codes = Term.objects.of(Vocabulary.PROVINCE).values_list("code", flat=True)
            counts = qs.order_by().aggregate(
                **{c: Count("id", filter=_facet_q("provinces", [c])) for c in codes}
            )
            out[facet] = {c: n for c, n in counts.items() if n}
            continue
        key = "format__code" if facet == "formats" else f"{relation}__code"
        rows = qs.values(key).annotate(n=Count("id", distinct=True)).order_by()
        out[facet] = {row[key]: row["n"] for row in rows if row[key]}
    return out


# --- suggestions and providers (point 5) ---------------------------------------------------

SUGGESTIONS = 10
SUGGESTIONS_CACHE_SECONDS = 26 * 3600  # the key names the day; this only frees the memory
NEW_DAYS = 30
NEARBY_KM = 25.0
CANDIDATES = 400


def _daily(day: dt.date, school_id: int, offer_id: int) -> str:
    return hashlib.sha256(f"{day}:{school_id}:{offer_id}".encode()).hexdigest()


def _one_per_provider(rows, limit=SUGGESTIONS) -> list[int]:
    seen, out = set(), []
    for offer_id, provider_id in rows:
        if provider_id not in seen:
            seen.add(provider_id)
            out.append(offer_id)
            if len(out) == limit:
                break
    return out


def school_province(school) -> str:
    """The province code of the school's first DUO location (by code)."""
    from .text import fold

    labels = {fold(t.label_nl): t.code for t in Term.objects.of(Vocabulary.PROVINCE)}
    labels |= {fold(t.label_en): t.code for t in Term.objects.of(Vocabulary.PROVINCE)}
    labels["friesland"] = "fryslan"
    for location in sorted(school.locations.all(), key=lambda loc: loc.code):
        code = labels.get(fold(location.province))
        if code:
            return code
    return ""


def suggestions(school) -> dict[str, list[int]]:
    """Four lists of offer ids (≤ 10 each, ≤ 1 per provider), stable for a day: the order
    within a list is a hash of the date, the school and the offer (MS-5). Kept in the cache
    per school and day (decision MS-10: offer ids only, no personal data); the callers load
    the offers through `searchable()`, so one hidden or revoked later that day drops out."""
    now = clock.now()
    day = now.astimezone(clock.AMSTERDAM).date()
    key = f"ck:suggestions:{school.pk}:{day.isoformat()}"
    lists = cache.get(key)
    if lists is None:
        lists = _suggestions(school, now, day)
        cache.set(key, lists, timeout=SUGGESTIONS_CACHE_SECONDS)
    return lists


def _suggestions(school, now: dt.datetime, day: dt.date) -> dict[str, list[int]]:
    base = searchable()
    province = school_province(school)
    point = school_point(school)

    def shuffled(qs) -> list[int]:
        rows = list(
            qs.order_by("-published_at", "-id").values_list("id", "provider_id")[:CANDIDATES]
        )
        rows.sort(key=lambda r: _daily(day, school.pk, r[0]))
        return _one_per_provider(rows)

    coming = base.filter(location_mode=LocationMode.AT_SCHOOL)
    coming = coming.filter(_facet_q("provinces", [province])) if province else coming.none()
    nearby: list[int] = []
    if point is not None:
        near = _with_distance(base.filter(venue_latitude__isnull=False), point)
        rows = (
            near.filter(d2__lte=NEARBY_KM**2).order_by("d2", "-id").values_list("id", "provider_id")
        )
        nearby = _one_per_provider(rows[:CANDIDATES])
    new_offers = _one_per_provider(
        base.filter(published_at__gte=now - dt.timedelta(days=NEW_DAYS))
        .order_by("-published_at", "-id")
        .values_list("id", "provider_id")[:CANDIDATES]
    )
    new_providers = shuffled(base.filter(provider__decided_at__gte=now - dt.timedelta(days=90)))
    return {
        "comes_to_school": shuffled(coming),
        "nearby": nearby,
        "new_offers": new_offers,
        "new_providers": new_providers,
    }


POSTCODE_CITY = re.compile(r"\b[1-9][0-9]{3}\s?[A-Za-z]{2}\s+([^,\n]+)")


def provider_city(provider: Provider) -> str:
    """The place in the provider's address ("… 1012 AB Amsterdam"), or its last part."""
    match = POSTCODE_CITY.search(provider.address or "")
    if match:
        return match.group(1).strip()
    parts = [p.strip() for p in (provider.address or "").split(",") if p.strip()]
    return parts[-1] if len(parts) > 1 else ""


def public_providers(q: str = "", discipline: str = ""):
    """Accepted providers (the same rule as the search), by name; `q` searches the name."""
    today = clock.now().astimezone(clock.AMSTERDAM).date()
    S = ProviderStatus
    qs = Provider.objects.filter(
        Q(status__in=[S.ACCEPTED, S.REVOCATION_ON_HOLD])
        | Q(
            Q(revocation_effective_on__isnull=True) | Q(revocation_effective_on__gt=today),
            status=S.REVOCATION_ANNOUNCED,
        )
    )
    for word in (q or "")[:200].split()[:8]:
        qs = qs.filter(name__icontains=word)
    if discipline:
        offers = searchable().filter(disciplines__code=discipline).values("provider_id")
        qs = qs.filter(pk__in=offers)
    return qs.order_by("name", "pk")


def provider_disciplines(provider_ids: list[int]) -> dict[int, list[str]]:
    """The discipline codes of each provider's searchable offers."""
    rows = (
        searchable()
        .filter(provider_id__in=provider_ids)
        .values_list("provider_id", "disciplines__code")
        .distinct()
    )
    out: dict[int, set[str]] = {}
    for provider_id, code in rows:
        if code:
            out.setdefault(provider_id, set()).add(code)
    return {k: sorted(v) for k, v in out.items()}
