"""API of the resolutions app under /api/v1/ (namespace "study-api")."""


from portal.api.routers import Router
from resolutions.api import commitments, documents, sessions

app_name = "study-api"

router = Router()
for area in (sessions, documents, commitments):
    area.register(router)

urlpatterns = [*sessions.urlpatterns, *documents.urlpatterns, *commitments.urlpatterns, *router.urls]
