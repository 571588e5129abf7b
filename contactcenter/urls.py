from django.conf import settings
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", include("inbox.urls")),
    # The apps above the inbox add their controls to its pages under the same prefix.
    path("inbox/", include("routing.urls_inbox")),
    path("inbox/", include("templates_hsm.urls_inbox")),
    path("dashboard/", include("reporting.urls")),
    path("accounts/", include("contactcenter.accounts.urls")),
    path("manage/channels/", include("inbox.urls_channels")),
    path("manage/routing/", include("routing.urls")),
    path("manage/", include("inbox.urls_admin")),
    path("manage/", include("contactcenter.accounts.manage_urls")),
    path("api/v1/", include("contactcenter.api_urls")),
    path("webhooks/", include("inbox.urls_webhooks")),
    path("i18n/", include("django.conf.urls.i18n")),
]

# The sandbox Graph API and customer phone (off in production).
if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("inbox.sandbox.urls")))
