"""Marketplace pages: the provider's offers (list, form, images), the back office's
moderation worklist and taxonomies, and the offer images themselves. Thin: permission,
form, service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cultuurkaart.core.errors import DomainError, ValidationFailed
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.marketplace import services as marketplace
from cultuurkaart.marketplace.constants import MAX_IMAGES, OfferStatus, Vocabulary
from cultuurkaart.marketplace.models import Offer, OfferImage, Term
from cultuurkaart.providers.models import Provider

from .access import backoffice_page, provider_page
from .forms import add_service_errors
from .forms_marketplace import (
    FIELD_MAP,
    ImageForm,
    ModerationReasonForm,
    OfferForm,
    SessionFormSet,
    TermForm,
    initial_from,
)

RELATED = ("disciplines", "levels", "themes", "provinces", "access", "sessions", "images")


# --- provider: own offers -------------------------------------------------------------------


@provider_page("marketplace.manage_offers")
def provider_offers(request, provider):
    offers = (
        Offer.objects.of_provider(provider.pk)
        .select_related("format")
        .annotate(session_count=Count("sessions", distinct=True))
        .annotate(image_count=Count("images", distinct=True))
        .order_by("-updated_at", "-pk")
    )
    page = Paginator(offers, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "portals/marketplace/provider_offers.html",
        {
            "provider": provider,
            "page": page,
            "trusted": marketplace.is_trusted(provider),
            "may_offer": _may_offer(provider),
        },
    )


def _may_offer(provider) -> bool:
    try:
        marketplace.require_acceptant(provider)
    except DomainError:
        return False
    return True


def _form_terms(offer: Offer | None) -> dict[str, list[Term]]:
    """Active terms, and the deactivated ones the offer already has (they stay on it)."""
    keep = set()
    if offer is not None:
        keep.add(offer.format_id)
        for field in ("disciplines", "levels", "themes", "provinces", "access"):
            keep |= {t.pk for t in getattr(offer, field).all()}
    return {
        key: [t for t in terms if t.active or t.pk in keep]
        for key, terms in marketplace.taxonomies(active_only=False).items()
    }


def _add_errors(form, formset, kept: list[int], errors: list[dict]) -> None:
    session_errors = [e for e in errors if e.get("field", "").startswith("sessions.")]
    add_service_errors(form, [e for e in errors if e not in session_errors], FIELD_MAP)
    for error in session_errors:
        _, index, field = ([*error["field"].split("."), "", ""])[:3]
        try:
            target = formset.forms[kept[int(index)]]
        except (ValueError, IndexError):
            form.add_error(None, error["message"])
            continue
        target.add_error(field if field in target.fields else None, error["message"])


def _offer_form(request, provider, offer: Offer | None):
    terms = _form_terms(offer)
    status = 200
    if request.method == "POST":
        form = OfferForm(request.POST, terms=terms)
        formset = SessionFormSet(request.POST, prefix="sessions")
        if form.is_valid() and formset.is_valid():
            kept = [i for i, f in enumerate(formset.forms) if f.cleaned_data and not f.is_blank()]
            data = form.to_service()
            data["sessions"] = [
                {k: formset.forms[i].cleaned_data.get(k) for k in formset.forms[i].fields}
                for i in kept
            ]
            try:
                if offer is None:
                    offer = marketplace.create_offer(provider, data, actor=request.user)
                else:
                    offer = marketplace.update_offer(offer, data, actor=request.user)
            except ValidationFailed as exc:
                _add_errors(form, formset, kept, exc.errors)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _status_message(offer))
                return redirect("portals:provider_offers", provider_id=provider.pk)
        status = 422
    else:
        data = marketplace.offer_input(offer) if offer is not None else {}
        form = OfferForm(initial=initial_from(data), terms=terms)
        formset = SessionFormSet(
            prefix="sessions",
            initial=[
                {k: s[k] for k in ("starts_at", "ends_at", "capacity", "book_by")}
                for s in data.get("sessions", [])
            ],
        )
    return render(
        request,
        "portals/marketplace/offer_form.html",
        {"provider": provider, "offer": offer, "form": form, "formset": formset},
        status=status,
    )


def _status_message(offer: Offer) -> str:
    if offer.status == OfferStatus.PUBLISHED:
        return str(_("Het aanbod is opgeslagen en staat online."))
    if offer.status == OfferStatus.PENDING:
        return str(_("Het aanbod is opgeslagen. CJP beoordeelt het voordat het online komt."))
    return str(_("Het aanbod is opgeslagen."))


@provider_page("marketplace.manage_offers")
def provider_offer_new(request, provider):
    return _offer_form(request, provider, None)


def _own_offer(provider, pk: int) -> Offer:
    return get_object_or_404(
        Offer.objects.select_related("format", "provider").prefetch_related(*RELATED),
        pk=pk,
        provider=provider,
    )


@provider_page("marketplace.manage_offers")
def provider_offer_edit(request, provider, pk: int):
    return _offer_form(request, provider, _own_offer(provider, pk))


@provider_page("marketplace.manage_offers")
def provider_offer_images(request, provider, pk: int):
    offer = _own_offer(provider, pk)
    form = ImageForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                marketplace.add_image(
                    offer,
                    form.cleaned_data["file"],
                    alt=form.cleaned_data["alt"],
                    credit=form.cleaned_data["credit"],
                    actor=request.user,
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc.errors)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("De afbeelding is toegevoegd."))
                return redirect("portals:provider_offers_images", provider_id=provider.pk, pk=pk)
        status = 422
    return render(
        request,
        "portals/marketplace/offer_images.html",
        {
            "provider": provider,
            "offer": offer,
            "images": list(offer.images.all()),
            "form": form,
            "max_images": MAX_IMAGES,
        },
        status=status,
    )


@provider_page("marketplace.manage_offers")
@require_POST
def provider_offer_image_remove(request, provider, pk: int, image_id: int):
    offer = _own_offer(provider, pk)
    image = get_object_or_404(OfferImage, pk=image_id, offer=offer)
    marketplace.remove_image(image, actor=request.user)
    messages.success(request, _("De afbeelding is verwijderd."))
    return redirect("portals:provider_offers_images", provider_id=provider.pk, pk=pk)


# --- the images themselves ------------------------------------------------------------------


def offer_image(request, image_id: int, size: str):
    """An offer's image: public for a published offer; otherwise only its provider's people
    and the back office (404 for anyone else). Served from the storage, never sniffed."""
    image = get_object_or_404(OfferImage.objects.select_related("offer"), pk=image_id)
    if size not in ("large", "small"):
        raise Http404
    offer = image.offer
    user = request.user
    if offer.status != OfferStatus.PUBLISHED and not (
        user.is_authenticated
        and (offer.provider_id in user.provider_ids() or user.is_platform_admin)
    ):
        raise Http404
    response = FileResponse(marketplace.open_image(image, size), content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# --- back office: moderation ----------------------------------------------------------------


@backoffice_page("marketplace.moderate")
def backoffice_offers(request):
    status = request.GET.get("status", OfferStatus.PENDING)
    qs = Offer.objects.select_related("provider", "format").order_by("created_at", "pk")
    if status in OfferStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    provider_id = parse_id(request.GET.get("provider", ""))
    if provider_id is not None:
        qs = qs.filter(provider_id=provider_id)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portals/marketplace/backoffice_offers.html",
        {
            "page": page,
            "status": status,
            "provider_id": provider_id,
            "statuses": OfferStatus.choices,
            "pending": Offer.objects.awaiting_review().count(),
        },
    )


def _backoffice_detail(request, offer: Offer, *, reject_form=None, hide_form=None, status=200):
    history = AuditEntry.objects.filter(
        object_type="marketplace.offer", object_id=str(offer.pk)
    ).select_related("actor")
    return render(
        request,
        "portals/marketplace/backoffice_offer.html",
        {
            "offer": offer,
            "trusted": marketplace.is_trusted(offer.provider),
            "reject_form": reject_form or ModerationReasonForm(prefix="reject"),
            "hide_form": hide_form or ModerationReasonForm(prefix="hide"),
            "history": history.order_by("-at", "-pk")[:50],
        },
        status=status,
    )


def _moderated(pk: int) -> Offer:
    return get_object_or_404(
        Offer.objects.select_related("provider", "format").prefetch_related(*RELATED), pk=pk
    )


@backoffice_page("marketplace.moderate")
def backoffice_offers_detail(request, pk: int):
    return _backoffice_detail(request, _moderated(pk))


def _act(request, pk: int, do, success):
    try:
        do(_moderated(pk))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("portals:backoffice_offers_detail", pk=pk)


def _with_reason(request, pk: int, prefix: str, do, success):
    offer = _moderated(pk)
    form = ModerationReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        return _act(request, pk, lambda o: do(o, form.cleaned_data["reason"]), success)
    return _backoffice_detail(request, offer, status=422, **{f"{prefix}_form": form})


@backoffice_page("marketplace.moderate")
@require_POST
def backoffice_offers_approve(request, pk: int):
    return _act(
        request,
        pk,
        lambda o: marketplace.approve_offer(o, actor=request.user),
        _("Het aanbod is goedgekeurd en staat online."),
    )


@backoffice_page("marketplace.moderate")
@require_POST
def backoffice_offers_reject(request, pk: int):
    return _with_reason(
        request,
        pk,
        "reject",
        lambda o, reason: marketplace.reject_offer(o, reason=reason, actor=request.user),
        _("Het aanbod is afgewezen; de aanbieder krijgt een e-mail met de reden."),
    )


@backoffice_page("marketplace.moderate")
@require_POST
def backoffice_offers_hide(request, pk: int):
    return _with_reason(
        request,
        pk,
        "hide",
        lambda o, reason: marketplace.hide_offer(o, reason=reason, actor=request.user),
        _("Het aanbod is verborgen."),
    )


@backoffice_page("marketplace.moderate")
@require_POST
def backoffice_offers_unhide(request, pk: int):
    return _act(
        request,
        pk,
        lambda o: marketplace.unhide_offer(o, actor=request.user),
        _("Het aanbod staat weer online."),
    )


@backoffice_page("marketplace.moderate")
@require_POST
def backoffice_provider_trust(request, provider_id: int):
    provider = get_object_or_404(Provider, pk=provider_id)
    trusted = request.POST.get("trusted") == "1"
    marketplace.set_trusted(provider, trusted, actor=request.user)
    messages.success(
        request,
        _("De aanbieder publiceert voortaan zonder beoordeling.")
        if trusted
        else _("Het aanbod van deze aanbieder wordt voortaan eerst beoordeeld."),
    )
    return redirect("portals:backoffice_provider", provider_id=provider_id)


# --- back office: taxonomies ----------------------------------------------------------------


@backoffice_page("marketplace.manage_taxonomies")
def backoffice_terms(request):
    vocabulary = request.GET.get("vocabulary") or request.POST.get("vocabulary")
    if vocabulary not in Vocabulary.values:
        vocabulary = Vocabulary.DISCIPLINE
    form = TermForm(request.POST or None, initial={"vocabulary": vocabulary, "active": True})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                marketplace.add_term(data.pop("vocabulary"), data, actor=request.user)
            except ValidationFailed as exc:
                add_service_errors(form, exc.errors)
            else:
                messages.success(request, _("De term is toegevoegd."))
                return redirect(f"{request.path}?vocabulary={vocabulary}")
        status = 422
    terms = Term.objects.of(vocabulary).select_related("parent").order_by("position", "code")
    return render(
        request,
        "portals/marketplace/backoffice_terms.html",
        {
            "vocabulary": vocabulary,
            "vocabularies": Vocabulary.choices,
            "terms": terms,
            "form": form,
        },
        status=status,
    )


@backoffice_page("marketplace.manage_taxonomies")
def backoffice_terms_edit(request, pk: int):
    term = get_object_or_404(Term, pk=pk)
    used = marketplace.is_used(term)
    initial = {
        "vocabulary": term.vocabulary,
        "code": term.code,
        "label_nl": term.label_nl,
        "label_en": term.label_en,
        "position": term.position,
        "kind": term.kind,
        "parent": term.parent,
        "active": term.active,
    }
    form = TermForm(request.POST or None, initial=initial)
    form.fields["vocabulary"].disabled = True
    form.fields["code"].disabled = used
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                marketplace.update_term(term, dict(form.cleaned_data), actor=request.user)
            except ValidationFailed as exc:
                add_service_errors(form, exc.errors)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("De term is opgeslagen."))
                return redirect(f"{_terms_url()}?vocabulary={term.vocabulary}")
        status = 422
    return render(
        request,
        "portals/marketplace/backoffice_term.html",
        {"term": term, "form": form, "used": used},
        status=status,
    )


def _terms_url() -> str:
    from django.urls import reverse

    return reverse("portals:backoffice_terms")
