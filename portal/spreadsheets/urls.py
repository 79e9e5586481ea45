"""Pages of the imports, under /imports/."""

from django.urls import path

from portal.spreadsheets import views

urlpatterns = [
    path("templates/<slug:code>/", views.import_template, name="import_template"),
    path("<int:pk>/", views.import_batch, name="import_batch"),
    path("<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("<slug:code>/<str:target_id>/", views.import_start, name="import_start"),
]
