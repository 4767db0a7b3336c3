"""API endpoints of the ledger domain (API.md). Thin: parse, check scope, call services."""

from ninja import Router

router = Router(tags=["ledger"])
