"""Leaver rule, filled in below."""


def run() -> dict:
    return {"marked": 0, "cleared": 0, "deleted": 0}
