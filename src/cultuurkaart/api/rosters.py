"""API endpoints of the rosters domain (API.md). Thin: parse, check scope, call services."""

from ninja import Router

router = Router(tags=["rosters"])
