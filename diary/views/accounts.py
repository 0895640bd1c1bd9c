"""Signing in and finding one's way home."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from diary import tokens
from diary.forms import SetupPasswordForm, SignInForm
from diary.models import User


@require_safe
def home(request):
    if request.user.role == User.Role.PATIENT:
        return redirect("patient:today")
    if request.user.role == User.Role.CLINICIAN:
        return redirect("clinic:dashboard")
    return redirect("admin:index")


class LoginView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


@method_decorator(login_not_required, name="dispatch")
class SetupView(auth_views.PasswordResetConfirmView):
    """The patient's one-time set-up link: choose a password, then straight into the diary.

    Django's reset view moves the token from the URL into the session and redirects, so the
    token never shows in a Referer header; a bad link gets a page saying why, not an error.
    """

    form_class = SetupPasswordForm
    token_generator = tokens.setup_token_generator
    template_name = "registration/setup.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_template_names(self):
        return [self.template_name if self.validlink else "registration/setup_invalid.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.validlink:
            token = self.kwargs["token"]
            if token == self.reset_url_token:
                token = self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN)
            context["problem"] = tokens.problem(self.user, token)
            context["days"] = settings.PASSWORD_RESET_TIMEOUT // (24 * 3600)
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is saved. Welcome to your pain diary."))
        return response

    def get_success_url(self):
        return reverse("patient:today" if self.user.is_patient else "home")
