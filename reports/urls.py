"""Pages under /reports/: each area of the app keeps its own routes."""

from django.urls import path

from reports.views import dashboard
from reports.views import submissions as submission_views

# A unit's report: /reports/units/TINH/ct17/2025/, or …/kl01/2021-2025/ for several years.
UNIT_REPORT = "units/<str:code>/<slug:kind>/<str:period>/"

urlpatterns = [
    *dashboard.urlpatterns,
    path("submissions/", submission_views.submission_list, name="report_submissions"),
    path("submissions/<int:pk>/narrative/", submission_views.report_narrative, name="report_narrative"),
    path("submissions/<int:pk>/submit/", submission_views.report_submit, name="report_submit"),
    path("submissions/<int:pk>/accept/", submission_views.report_accept, name="report_accept"),
    path("submissions/<int:pk>/return/", submission_views.report_return, name="report_return"),
    path(UNIT_REPORT, submission_views.report_unit, name="report_unit"),
    path(f"{UNIT_REPORT}open/", submission_views.report_open, name="report_open"),
    path(f"{UNIT_REPORT}run/", submission_views.report_run_start, name="report_run_start"),
]
