"""Who may do what with accounts (SPEC §1). Read by pages and API alike (core.permissions).

A person's own things (their tokens, their pass, their deletion request) need no table: they
are self-service routes, listed in docs/permissions.md."""

from cultuurkaart.core.permissions import platform_action, register

ACTIONS = register(
    platform_action("accounts.manage_users", "Users and their roles; block, unblock; tokens."),
)
