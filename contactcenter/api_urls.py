"""Everything under /api/v1/: each app adds its routers here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("contactcenter.accounts.api_urls")),
    path("", include("inbox.api_urls")),
    path("", include("routing.api_urls")),
]
