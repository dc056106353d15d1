"""Role checks for views and API classes. Area scoping itself is done by selectors (core.scoping)."""

from rest_framework.permissions import BasePermission

from phongdich.core.errors import PERMISSION_DENIED, ApplicationError

from .models import Official
from .selectors import official_of

Role = Official.Role
# Roles that may browse people and their records (Official.sees_people).
PEOPLE_ROLES = (Role.PROVINCE_ADMIN, Role.HEALTH_DEPT, Role.AREA_OFFICIAL)
# Roles that investigate cases, of those who see people (cases.selectors.case_investigators, docs/cases.md):
# the Department of Health / CDC and the commune, ward or district official, not the province administrator.
INVESTIGATOR_ROLES = (Role.HEALTH_DEPT, Role.AREA_OFFICIAL)


def has_role(user, *roles: str) -> bool:
    """True for a superuser, or an active official with one of `roles` (any role when none are given)."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return False
    if user.is_superuser:
        return True
    official = official_of(user)
    return official is not None and (not roles or official.role in roles)


def require_role(user, *roles: str) -> None:
    """Raise ApplicationError(permission_denied) unless the user has one of `roles` (or is a superuser)."""
    if not has_role(user, *roles):
        raise ApplicationError(PERMISSION_DENIED, extra={"roles": [str(role) for role in roles]})


class IsOfficial(BasePermission):
    """DRF permission: a logged-in user with an active Official record (or a superuser).

    Subclass with `roles = (...)` to accept only some roles, e.g. `class SeesPeople(IsOfficial): roles = PEOPLE_ROLES`.
    """

    roles: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *self.roles)


class SeesPeople(IsOfficial):
    roles = PEOPLE_ROLES
