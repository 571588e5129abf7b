from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """`quoted|get_item:m.reply_to_wamid` — dict lookup by a variable key."""
    return mapping.get(key) if isinstance(mapping, dict) else None
