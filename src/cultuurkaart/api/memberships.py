"""API endpoints of the memberships domain (API.md). Thin: parse, check scope, call services."""

from ninja import Router

router = Router(tags=["memberships"])
