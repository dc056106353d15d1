from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Official(models.Model):
    """A user's role and the area it applies to. Users without one see no personal data."""

    class Role(models.TextChoices):
        PROVINCE_ADMIN = "province_admin", _("Province administrator")
        HEALTH_DEPT = "health_dept", _("Department of Health / CDC")
        AREA_OFFICIAL = "area_official", _("Area official")
        VENUE_MANAGER = "venue_manager", _("Venue manager")
        VENUE_STAFF = "venue_staff", _("Venue control staff")
        # Staff of a testing site or laboratory (testing app) and of a vaccination site (vaccination app):
        # they see the people registered at the sites of their area, not the rest of people's records.
        LAB_STAFF = "lab_staff", _("Laboratory staff")
        VACCINATION_STAFF = "vaccination_staff", _("Vaccination staff")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official", verbose_name=_("user account")
    )
    role = models.CharField(max_length=30, choices=Role.choices, verbose_name=_("role"))
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="officials", verbose_name=_("area"))
    organisation = models.CharField(max_length=200, blank=True, verbose_name=_("organisation"))
    phone = models.CharField(max_length=15, blank=True, verbose_name=_("phone number"))
    is_active = models.BooleanField(default=True, verbose_name=_("active role"))

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")

    def __str__(self):
        return f"{self.user.get_username()} ({self.get_role_display()}, {self.area})"

    @property
    def sees_people(self) -> bool:
        """Venue roles record check-ins but do not browse people or their histories."""
        return self.role in {self.Role.PROVINCE_ADMIN, self.Role.HEALTH_DEPT, self.Role.AREA_OFFICIAL}

    @property
    def works_in_testing(self) -> bool:
        return self.sees_people or self.role == self.Role.LAB_STAFF

    @property
    def works_in_vaccination(self) -> bool:
        return self.sees_people or self.role == self.Role.VACCINATION_STAFF

    @property
    def reads_telecom(self) -> bool:
        """Subscriber location records: the health department and the province only (docs/telecom.md)."""
        return self.role in {self.Role.PROVINCE_ADMIN, self.Role.HEALTH_DEPT}
