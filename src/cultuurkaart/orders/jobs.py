"""Scheduled jobs of the orders domain (API.md "Jobs"); each is idempotent."""

from cultuurkaart.core.jobs import job

from . import services


@job("close-objection-periods")
def close_objection_periods(params: dict) -> dict:
    return {"closed": services.close_objection_periods()}


@job("cancel-unpaid")
def cancel_unpaid(params: dict) -> dict:
    return {"cancelled": [str(pk) for pk in services.cancel_unpaid()]}


@job("invoice-reminders")
def invoice_reminders(params: dict) -> dict:
    return {"reminded": [str(pk) for pk in services.send_reminders()]}
