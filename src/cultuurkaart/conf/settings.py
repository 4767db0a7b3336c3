"""Default settings module: everything comes from the environment (see base.py)."""

from .base import *  # noqa: F403
