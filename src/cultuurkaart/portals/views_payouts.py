"""Payout pages (SPEC §8): the back office's batches (make one after a confirmation step
that shows what will be paid and who is on hold; detail; SEPA download) and a provider's
own payouts with the specification per web order. Thin: check the permission table, call
the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.core.replica import reads_from_replica
from cultuurkaart.orders.pdf import format_iban
from cultuurkaart.payouts import exports, services
from cultuurkaart.payouts.models import PayoutBatch, PayoutItem, PayoutLine
from cultuurkaart.payouts.pdf import render_specification
from cultuurkaart.payouts.sepa import sepa_xml
from cultuurkaart.payouts.specification import describe, lines_of

from .access import backoffice_page, provider_page

PAGE_SIZE = 50
XML = "application/xml"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@backoffice_page("payouts.manage")
def backoffice_list(request):
    batches = PayoutBatch.objects.order_by("-created_at", "-id")
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portals/payouts/backoffice_list.html", {"page": page})


@backoffice_page("payouts.manage")
def backoffice_new(request):
    """GET: what a batch made now would pay (the confirmation step). POST: make it, for
    exactly the moment the confirmation showed (`until`)."""
    if request.method == "POST":
        until = None
        raw = request.POST.get("until") or ""
        if raw:
            try:
                until = clock.parse(raw)
            except ValueError:
                until = None
        try:
            batch = services.create_payout_batch(until=until, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portals:backoffice_payouts")
        messages.success(request, _("Uitbetaling %(id)s is gemaakt.") % {"id": batch.pk})
        return redirect("portals:backoffice_payouts_detail", payout_id=batch.pk)
    preview = services.preview()
    return render(
        request,
        "portals/payouts/backoffice_new.html",
        {"preview": preview, "held": _held(preview["held"])},
    )


def _held(held: list[dict]) -> list[dict]:
    """The providers left out, with `until` as a moment the template shows in Dutch format."""
    rows = []
    for row in held:
        until = row.get("until")
        try:
            until_at = clock.parse(until) if until else None
        except ValueError:
            until_at = None
        rows.append({**row, "until_at": until_at})
    return rows


def _batch(payout_id: int) -> PayoutBatch:
    batch = PayoutBatch.objects.filter(pk=payout_id).first()
    if batch is None:
        raise Http404
    return batch


@backoffice_page("payouts.manage")
def backoffice_detail(request, payout_id: int):
    batch = _batch(payout_id)
    items = list(batch.items.select_related("provider").order_by("provider_id", "id"))
    counts = {}
    for item_id in PayoutLine.objects.filter(item__batch=batch).values_list("item_id", flat=True):
        counts[item_id] = counts.get(item_id, 0) + 1
    for item in items:
        item.count = counts.get(item.pk, 0)
        item.iban_display = format_iban(item.iban)
    return render(
        request,
        "portals/payouts/backoffice_detail.html",
        {"batch": batch, "items": items, "held": _held(batch.held)},
    )


@backoffice_page("payouts.manage")
def backoffice_sepa(request, payout_id: int):
    batch = _batch(payout_id)
    response = HttpResponse(sepa_xml(batch), content_type=XML)
    response["Content-Disposition"] = f'attachment; filename="uitbetaling-{batch.pk}-sepa.xml"'
    return response


@provider_page("payouts.view_own")
def provider_list(request, provider):
    items = (
        PayoutItem.objects.filter(provider=provider)
        .select_related("batch")
        .order_by("-batch__created_at", "-id")
    )
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    lines: dict[int, list] = {}
    for line in lines_of(*page.object_list):
        lines.setdefault(line.item_id, []).append(describe(line))
    for item in page.object_list:
        item.spec = lines.get(item.pk, [])
        item.iban_display = format_iban(item.iban)
    return render(
        request, "portals/payouts/provider_list.html", {"provider": provider, "page": page}
    )


def _own_item(provider, payout_id: int) -> PayoutItem:
    """The provider's item of a batch; a batch without it (another provider's) is 404."""
    item = (
        PayoutItem.objects.filter(provider=provider, batch_id=payout_id)
        .select_related("batch")
        .first()
    )
    if item is None:
        raise Http404
    return item


@provider_page("payouts.view_own")
def provider_specification(request, provider, payout_id: int):
    item = _own_item(provider, payout_id)
    response = HttpResponse(exports.specification(item), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="specificatie-uitbetaling-{item.batch_id}.xlsx"'
    )
    return response


@provider_page("payouts.view_own")
def provider_specification_pdf(request, provider, payout_id: int):
    item = _own_item(provider, payout_id)
    response = HttpResponse(render_specification(item), content_type=PDF)
    response["Content-Disposition"] = (
        f'attachment; filename="specificatie-uitbetaling-{item.batch_id}.pdf"'
    )
    return response


@provider_page("payouts.view_own")
@reads_from_replica
def provider_export(request, provider):
    """All the provider's payouts as Excel, one row per payout."""
    response = HttpResponse(exports.provider_payouts(provider), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="uitbetalingen-{provider.pk}.xlsx"'
    return response


@provider_page("weborders.view_own")
@reads_from_replica
def provider_weborders_export(request, provider):
    """All the provider's web orders as Excel, with fee and amount paid once paid."""
    response = HttpResponse(exports.provider_weborders(provider), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="webbestellingen-{provider.pk}.xlsx"'
    return response
