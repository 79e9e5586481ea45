"""Pages under /study/: each area of the app keeps its own routes."""

from resolutions.views import commitments, documents, sessions

urlpatterns = [*sessions.urlpatterns, *documents.urlpatterns, *commitments.urlpatterns]
