"""`{% provider_unread provider as n %}`: the provider's unread request messages (provider
portal home)."""

from django import template

from cultuurkaart.marketplace.services.requests import unread_count

register = template.Library()


@register.simple_tag
def provider_unread(provider) -> int:
    return unread_count(provider=provider)
