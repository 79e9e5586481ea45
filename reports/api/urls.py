"""API of the reports app under /api/v1/ (namespace "reports-api")."""

from portal.api.routers import Router
from reports.api import indicators, runs, submissions

app_name = "reports-api"

AREAS = (indicators, runs, submissions)

router = Router()
for area in AREAS:
    area.register(router)

urlpatterns = [url for area in AREAS for url in area.urlpatterns] + router.urls
