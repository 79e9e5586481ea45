from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import files, health, views, views_notifications, views_tokens
from portal.forms import LoginForm
from portal.spreadsheets.export import export_view

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/tokens/", views_tokens.token_list, name="token_list"),
    path("accounts/tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("accounts/tokens/revoke-all/", views_tokens.token_revoke_all, name="token_revoke_all"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("units/", views.unit_tree, name="unit_tree"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("units/<str:code>/children/", views.unit_children, name="unit_children"),
    path("units/<str:code>/export.<sheet:ext>", export_view("unit_members"), name="unit_members_export"),
    path("people/", views.person_list, name="person_list"),
    path("people/export.<sheet:ext>", export_view("people"), name="person_list_export"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path("notifications/menu/", views_notifications.notification_menu, name="notification_menu"),
    path("notifications/count/", views_notifications.notification_count, name="notification_count"),
    path("notifications/read/", views_notifications.notification_mark_read, name="notification_mark_read"),
    path("jobs/", include("portal.jobs.urls")),
    path("imports/", include("portal.spreadsheets.urls")),
    path("files/<slug:key>/<int:pk>/", files.download, name="file_download"),
    path("api/v1/", include("portal.api.urls")),
    # The domain apps' routes: named by string, so the portal package imports no domain app.
    path("study/", include("resolutions.urls")),
    path("api/v1/", include("resolutions.api.urls")),
    path("training/", include("training.urls")),
    path("certificates/", include("training.urls_public")),
    path("api/v1/", include("training.api.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("reports.api.urls")),
    path("admin/", admin.site.urls),
]
