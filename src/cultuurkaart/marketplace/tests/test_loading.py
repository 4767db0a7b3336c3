"""Offers loaded for showing (decision MS-11): what `loading.load_offers` attaches equals
what the model relations say, in the same order, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cultuurkaart.core import clock
from cultuurkaart.marketplace.loading import TERM_RELATIONS, load_offers
from cultuurkaart.marketplace.models import Offer, Term

from .factories import make_offer

pytestmark = pytest.mark.django_db


def _session(days: int) -> dict:
    start = clock.now() + dt.timedelta(days=days)
    return {
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "capacity": 30,
        "book_by": start - dt.timedelta(days=7),
    }


def test_codes_sessions_and_images_equal_the_relations_in_order():
    # Positions that differ from the codes' alphabetical order: the term table's order counts.
    Term.objects.filter(vocabulary="discipline", code="theatre").update(position=0)
    Term.objects.filter(vocabulary="discipline", code="dance").update(position=99)
    first = make_offer(
        disciplines=["dance", "theatre", "film"],
        levels=["vo-havo", "vo-vwo-2"],
        access=["wheelchair"],
        sessions=[_session(40), _session(20)],
    )
    second = make_offer(disciplines=["film"], levels=["vo-havo"], access=[])
    loaded = load_offers([second.pk, 999_999, first.pk])
    assert [o.pk for o in loaded] == [second.pk, first.pk]  # the ids' order; unknown left out
    for offer in loaded:
        fresh = Offer.objects.get(pk=offer.pk)
        for relation in TERM_RELATIONS:
            assert offer.codes[relation] == [t.code for t in getattr(fresh, relation).all()]
        assert offer.session_list == list(fresh.sessions.all())
        assert offer.image_list == list(fresh.images.all())
    assert loaded[1].codes["disciplines"][0] == "theatre"
    assert loaded[1].codes["disciplines"][-1] == "dance"
    assert [s.starts_at for s in loaded[1].session_list] == sorted(
        s.starts_at for s in loaded[1].session_list
    )


def test_a_fixed_number_of_queries_whatever_the_number_of_offers():
    offers = [make_offer(disciplines=["film", "dance"], levels=["vo-havo"]) for _ in range(6)]
    counts = []
    for some in (offers[:1], offers):
        with CaptureQueriesContext(connection) as queries:
            loaded = load_offers([o.pk for o in some])
        assert len(loaded) == len(some)
        counts.append(len(queries.captured_queries))
    assert counts == [4, 4]  # offers, codes (one UNION ALL), sessions, images
