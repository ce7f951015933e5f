from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext as _


class PortalLoginView(auth_views.LoginView):
    redirect_authenticated_user = False

    def get(self, request, *args, **kwargs):
        if request.GET.get("norole"):
            messages.warning(
                request, _("Your account has no role yet. Ask an administrator to assign one.")
            )
        return super().get(request, *args, **kwargs)
