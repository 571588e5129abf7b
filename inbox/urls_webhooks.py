from django.urls import path

from . import views_webhooks

urlpatterns = [path("whatsapp/", views_webhooks.whatsapp_webhook, name="whatsapp-webhook")]
