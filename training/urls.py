"""Pages under /training/: each area of the app keeps its own routes."""

from training.views import certificates, classes, home, lecturers, plans, targets

urlpatterns = [*home.urlpatterns, *plans.urlpatterns, *classes.urlpatterns, *certificates.urlpatterns,
               *lecturers.urlpatterns, *targets.urlpatterns]
