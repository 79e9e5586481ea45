"""API of the training app under /api/v1/ (namespace "training-api")."""

from portal.api.routers import Router
from training.api import certificates, classes, lecturers, plans, targets

app_name = "training-api"

AREAS = (plans, classes, certificates, lecturers, targets)

router = Router()
for area in AREAS:
    area.register(router)

urlpatterns = [url for area in AREAS for url in area.urlpatterns] + router.urls
