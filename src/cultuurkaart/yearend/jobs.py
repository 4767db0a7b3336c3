"""Year-end jobs (API.md "Jobs"); each is idempotent (docs/yearend.md).

`close-year` `{"programme"}` settles that programme (409 `too-early` before 00:00 after its
spending window); without a programme (the beat schedule, 1 January 00:30) it settles every
programme whose window has ended and that is not settled yet. `redistribute-ocw`
`{"programme", "next_programme"}` is run by the admin in the first quarter (not scheduled)."""

from __future__ import annotations

from cultuurkaart.core.jobs import job

from . import services


@job("close-year")
def close_year(params: dict) -> dict:
    """→ {"schools": [{"school", "remaining", "refund_school", "unspent_ocw",
    "unspent_third_party"}]} (without a programme also "programmes": the codes settled)."""
    if params.get("programme") in (None, ""):
        schools: list[dict] = []
        closed: list[str] = []
        for programme in services.due_programmes():
            year_end, _created = services.close_year(programme)
            schools += services.statements_api(year_end)
            closed.append(programme.code)
        return {"schools": schools, "programmes": closed}
    programme = services.resolve_programme(params.get("programme"))
    year_end, _created = services.close_year(programme)
    return {"schools": services.statements_api(year_end)}


@job("redistribute-ocw")
def redistribute_ocw(params: dict) -> dict:
    """→ {"per_student", "recipients" (number of students), "total"}"""
    programme = services.resolve_programme(params.get("programme"))
    next_programme = services.resolve_programme(params.get("next_programme"), "next_programme")
    redistribution, _created = services.redistribute_ocw(programme, next_programme)
    return redistribution.as_api()
