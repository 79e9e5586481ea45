from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.api import views
from portal.api.routers import Router
from portal.jobs.api import JobViewSet
from portal.spreadsheets.api import ImportBatchViewSet

app_name = "api"

router = Router()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("people", views.PersonViewSet, basename="person")
router.register("positions", views.PositionViewSet, basename="position")
router.register("jobs", JobViewSet, basename="job")
router.register("imports", ImportBatchViewSet, basename="import")

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="root"),
    path("auth/token/", views.ObtainToken.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
