"""Web pages of the orders domain, mounted under the site root by portals/urls.py."""

from django.urls import path

from . import views_orders as v

urlpatterns: list = [
    path("school/<int:school_id>/producten/", v.products, name="school_products"),
    path("school/<int:school_id>/bestellingen/", v.orders, name="school_orders"),
    path("school/<int:school_id>/bestellingen/nieuw/", v.order_new, name="school_orders_new"),
    path(
        "school/<int:school_id>/bestellingen/<int:pk>/", v.order_detail, name="school_orders_detail"
    ),
    path(
        "school/<int:school_id>/bestellingen/<int:pk>/wijzigen/",
        v.order_change,
        name="school_orders_change",
    ),
    path(
        "school/<int:school_id>/bestellingen/<int:pk>/annuleren/",
        v.order_cancel,
        name="school_orders_cancel",
    ),
    path("school/<int:school_id>/budget/", v.budget, name="school_orders_budget"),
    path(
        "school/<int:school_id>/budget/transacties/",
        v.transactions,
        name="school_orders_transactions",
    ),
    path("school/<int:school_id>/facturen/", v.invoices, name="school_orders_invoices"),
    path(
        "school/<int:school_id>/facturen/<int:pk>/pdf/",
        v.invoice_pdf,
        name="school_orders_invoice_pdf",
    ),
    path("backoffice/bestellingen/", v.bo_orders, name="backoffice_orders"),
    path("backoffice/bestellingen/<int:pk>/", v.bo_order, name="backoffice_orders_detail"),
    path(
        "backoffice/bestellingen/<int:pk>/goedkeuren/",
        v.bo_order_approve,
        name="backoffice_orders_approve",
    ),
    path(
        "backoffice/bestellingen/<int:pk>/afwijzen/",
        v.bo_order_reject,
        name="backoffice_orders_reject",
    ),
    path("backoffice/facturen/", v.bo_invoices, name="backoffice_invoices"),
    path("backoffice/facturen/<int:pk>/", v.bo_invoice, name="backoffice_invoices_detail"),
    path("backoffice/facturen/<int:pk>/pdf/", v.bo_invoice_pdf, name="backoffice_invoices_pdf"),
    path(
        "backoffice/facturen/<int:pk>/crediteren/",
        v.bo_invoice_credit,
        name="backoffice_invoices_credit",
    ),
]
