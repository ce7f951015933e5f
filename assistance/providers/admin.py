"""The directory in Django admin: administrators keep it; saving goes through the service."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from ..vocabulary import ServiceKind
from . import services
from .models import ServiceProvider


class ServiceProviderForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=ServiceProvider._meta.get_field("services").verbose_name,
        choices=ServiceKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ServiceProvider
        fields = services.FIELDS


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    form = ServiceProviderForm
    list_display = ("organisation", "country", "kind", "city", "is_active")
    list_filter = ("country", "kind", "is_active")
    search_fields = ("organisation__name", "city")
    list_select_related = ("organisation", "country")
    autocomplete_fields = ("organisation",)

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in services.FIELDS if name in form.cleaned_data
        }
        try:
            services.provider_save(user=request.user, provider=obj, data=data)
        except ValidationError as exc:  # the form has checked the same; a race is left
            raise ValidationError(exc.messages) from exc
