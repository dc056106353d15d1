"""Writes to officials."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from phongdich.core.audit import audit_record
from phongdich.core.errors import INVALID_INPUT, ApplicationError, field_message
from phongdich.geo.selectors import area_get_by_code

from .models import Official


@transaction.atomic
def official_create(
    *, username: str, password: str, role: str, area_code: str, superuser: bool = False, actor=None
) -> tuple[Official, bool]:
    """Create a user with an Official record, or update the role, area and password of an existing one.

    Returns (official, created). The area is given by path or by a code that is unique; the password must
    pass the project's validators. Audited as `accounts.official.created` / `.updated`; nothing is written
    on invalid input.
    """
    if role not in Official.Role.values:
        # Django's words for a choice not among the field's (its Vietnamese catalogue's too).
        message = field_message(
            f"Hãy chọn một lựa chọn hợp lệ. {role} không phải là một trong các lựa chọn khả thi.",
            f"Select a valid choice. {role} is not one of the available choices.",
        )
        raise ApplicationError(INVALID_INPUT, extra={"fields": {"role": [message]}})
    area = area_get_by_code(code=area_code)
    if area is None:
        raise ApplicationError(
            INVALID_INPUT,
            extra={
                "fields": {
                    "area_code": [
                        field_message(
                            "Không tìm thấy địa bàn này hoặc mã trùng; hãy ghi đường dẫn, ví dụ 38/ hoặc 38/15187/.",
                            "Unknown or ambiguous area; give its path, e.g. 38/ or 38/15187/.",
                        )
                    ]
                }
            },
            en=f"Unknown or ambiguous area {area_code!r}; give its path, e.g. 38/ or 38/15187/.",
            vi=f"Không tìm thấy địa bàn {area_code!r} hoặc mã trùng; hãy ghi đường dẫn, ví dụ 38/ hoặc 38/15187/.",
        )
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    created = user is None
    if created:
        user = user_model(username=username)
    problems_vi = _password_problems(password, user, "vi")
    if problems_vi:
        # The same validators in the same order, so the two lists pair up.
        problems_en = _password_problems(password, user, "en")
        messages = [field_message(vi, en) for vi, en in zip(problems_vi, problems_en, strict=True)]
        raise ApplicationError(
            INVALID_INPUT,
            extra={"fields": {"password": messages}},
            vi=" ".join(problems_vi),
            en=" ".join(problems_en),
        )
    user.set_password(password)
    if superuser:
        user.is_staff = user.is_superuser = True
    user.save()
    official, official_created = Official.objects.update_or_create(
        user=user, defaults={"role": role, "area": area, "is_active": True}
    )
    audit_record(
        actor=actor,
        action="accounts.official.created" if official_created else "accounts.official.updated",
        obj=official,
        area_path=area.path,
        extra={"role": role},
    )
    return official, created


def _password_problems(password: str, user, language: str) -> list[str]:
    """What the password validators say of it, in `language` (their messages are translated when raised)."""
    with translation.override(language):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return list(exc.messages)
    return []
