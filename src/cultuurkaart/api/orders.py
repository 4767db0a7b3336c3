"""API endpoints of the orders domain (API.md). Thin: parse, check scope, call services."""

from ninja import Router

router = Router(tags=["orders"])
