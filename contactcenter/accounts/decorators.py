"""Small stacked decorators for page views: who may open the page."""

from functools import wraps

from django.shortcuts import render

from .permissions import Principal, Scope


def membership_required(view):
    """Sets request.principal; a user with no active company sees why, not a crash."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.membership is None:
            return render(request, "accounts/no_membership.html", status=403)
        request.principal = Principal.for_membership(request.membership)
        return view(request, *args, **kwargs)

    return wrapper


def scope_required(scope: Scope):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.principal.can(scope):
                return render(request, "accounts/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
