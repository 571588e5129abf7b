from django.urls import path
from rest_framework.routers import SimpleRouter

from routing import api

router = SimpleRouter(use_regex_path=False)
router.register("routing/skills", api.SkillViewSet, basename="api-routing-skill")
router.register("routing/queues", api.QueueViewSet, basename="api-routing-queue")
router.register("routing/rules", api.RoutingRuleViewSet, basename="api-routing-rule")
router.register("routing/business-hours", api.BusinessHoursViewSet, basename="api-routing-hours")
router.register("routing/agents", api.AgentProfileViewSet, basename="api-routing-agent")

urlpatterns = [
    path("routing/presence/", api.MyPresence.as_view(), name="api-routing-presence"),
    # Under the inbox's conversations: taking one is routing's (transfers), the URL the API's.
    path(
        "conversations/<int:conversation_id>/take/",
        api.ConversationTake.as_view(),
        name="api-conversation-take",
    ),
    *router.urls,
]
