from django.apps import AppConfig


class DossierTransferConfig(AppConfig):
    name = "cultuurkaart.dossier_transfer"
    label = "dossier_transfer"

    def ready(self) -> None:
        from cultuurkaart.weborders import services as weborders

        from . import (
            jobs,  # noqa: F401  (registers the purge job)
            permissions,  # noqa: F401  (registers this domain's permission table)
        )
        from .services.participants import weborder_approved, weborder_money_returned

        # An approved web order with participants gives each of them a draft visit item with
        # a reflection prompt; a reversal (or an invalid check) takes untouched drafts away.
        weborders.register_approved_hook(weborder_approved)
        weborders.register_money_returned_hook(weborder_money_returned)

        from cultuurkaart.dossier.services import leavers

        from .services.exports import offer_hook

        # A leaver's export offer (dossier-leavers) links to the export page.
        leavers.register_offer_hook(offer_hook)
