from django.utils.functional import SimpleLazyObject

from ctportal import access, navigation


def portal(request) -> dict:
    user = getattr(request, "user", None)
    role = access.role_of(user)
    return {
        "user_role": role,
        "user_role_label": role.label if role else "",
        "can_create_project": access.can_create_project(user),
        "can_check_iati": access.can_check_iati(user),
        "is_administrator": role == access.Role.ADMINISTRATOR,
        "main_menu": SimpleLazyObject(lambda: navigation.menu_for(request) if role else []),
        "sections_used": {
            name for name in access.SECTION_ROLES if role in access.SECTION_ROLES[name]
        },
    }
