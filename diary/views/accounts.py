"""Signing in and finding one's way home."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from diary.forms import SignInForm
from diary.models import User


def home(request):
    if request.user.role == User.Role.PATIENT:
        return redirect("patient:today")
    if request.user.role == User.Role.CLINICIAN:
        return redirect("clinic:dashboard")
    return redirect("admin:index")


class LoginView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True
