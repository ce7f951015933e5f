"""Session documents on the session page, whose view does not load them itself."""

from django import template

from trainings.document_views import SessionDocumentForm, session_documents

register = template.Library()


@register.simple_tag
def session_document_form(session) -> SessionDocumentForm:
    """An empty upload form, in the session's language by default."""
    return SessionDocumentForm(initial={"language": session.language})


@register.simple_tag(takes_context=True)
def documents_of(context, session) -> list:
    """The documents of ``session`` that the page's user may see."""
    return session_documents(user=context["request"].user, session=session)
