from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ctportal import access

from . import services
from .forms import ApiTokenForm
from .models import ApiToken


class PortalLoginView(auth_views.LoginView):
    redirect_authenticated_user = False

    def get(self, request, *args, **kwargs):
        if request.GET.get("norole"):
            messages.warning(
                request, _("Your account has no role yet. Ask an administrator to assign one.")
            )
        return super().get(request, *args, **kwargs)


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's personal API tokens; a new one's secret is shown on this answer only."""
    if not access.has_role(request.user):
        raise Http404
    form = ApiTokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                second_factor=access.second_factor_verified(request.user),
                submission=form.cleaned_data["submission"],
            )
        except services.RepeatedSubmission:
            # The browser sent the same form again (a reload, a double click): its token
            # exists, and its secret, shown once, is not kept anywhere to be shown again.
            messages.warning(
                request,
                _(
                    "This form was already sent and its token created. Its secret was shown "
                    "once only: if you did not copy it, revoke that token and create a new one."
                ),
            )
            form = ApiTokenForm()
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.visible_to(request.user).select_related("revoked_by")
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "created": created, "secret": secret},
    )


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens (administrators revoke others' in Django admin)."""
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    if token.revoked_at is None:
        services.api_token_revoke(token=token, by=request.user)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api_tokens")
