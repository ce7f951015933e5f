"""The document upload form on pages whose views do not build it themselves."""

from django import template
from django.utils.translation import get_language

from projects.document_views import ProjectDocumentForm

register = template.Library()


@register.simple_tag
def project_document_form() -> ProjectDocumentForm:
    """An empty upload form, in the page's language by default."""
    return ProjectDocumentForm(initial={"language": (get_language() or "en")[:2]})
