from django.urls import path

from portal.jobs import views

urlpatterns = [
    path("", views.my_jobs, name="my_jobs"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
]
