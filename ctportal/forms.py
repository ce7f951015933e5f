"""Form conventions every app shares."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's errors on the form: on their field when it has one, else on top."""
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, field_errors)
