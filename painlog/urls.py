from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from health_check.views import HealthCheckView

from diary import health
from diary import urls as diary_urls
from diary.views import accounts, reminders

urlpatterns = [
    path("", accounts.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/setup/<uidb64>/<token>/", accounts.SetupView.as_view(), name="setup"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("diary/", include((diary_urls.patient_patterns, "patient"))),
    path("clinic/", include((diary_urls.clinic_patterns, "clinic"))),
    path("episodes/", include((diary_urls.shared_patterns, "episodes"))),
    path("calendar/<slug:token>.ics", reminders.subscription, name="calendar_feed"),
    path("admin/", admin.site.urls),
    path(
        "health/",
        login_not_required(HealthCheckView.as_view(checks=health.CHECKS)),
        name="health",
    ),
]
