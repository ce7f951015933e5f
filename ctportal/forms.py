"""Form conventions every app shares."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's errors on the form: on their field when it has one, else on top."""
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, field_errors)


def form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[], Any],
    success: str,
    next_url: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A page whose posted form is handed to a service.

    A valid post calls ``save``; its ValidationError lands on the form's fields
    and the page answers 400 with nothing written, otherwise the user goes on to
    ``next_url`` with ``success`` as a message.
    """
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(next_url)
    return render(request, template, context, status=400 if form.errors else 200)


class FileOrLinkForm(forms.Form):
    """A document given as an uploaded file or as a link to one published elsewhere."""

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("file") and not data.get("url"):
            raise ValidationError(gettext("Attach a file or give a link."))
        return data

    def document_data(self) -> dict[str, Any]:
        """The cleaned values for a service: no file is "", as the file field stores it."""
        return {**self.cleaned_data, "file": self.cleaned_data.get("file") or ""}
