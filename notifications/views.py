from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ctportal import access

from . import services
from .forms import PreferencesForm
from .kinds import kinds_for
from .models import MailPreferences


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Which notifications the person gets by email, and in which language."""
    if not access.has_role(request.user):
        raise Http404
    kinds = [kind.value for kind in kinds_for(request.user)]
    saved = MailPreferences.objects.filter(user=request.user).first()
    initial = {
        "language": saved.language if saved else "",
        "wanted": [kind for kind in kinds if not saved or kind not in saved.muted],
    }
    form = PreferencesForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["wanted"])
        services.preferences_save(
            user=request.user,
            language=form.cleaned_data["language"],
            muted=[kind for kind in kinds if kind not in wanted],
        )
        messages.success(request, _("Your email preferences have been saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(request.user.email), "kinds": kinds},
    )
