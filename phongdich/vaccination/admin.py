"""Admin of the vaccination reference data: priority groups, products, sites and official population figures.

Registrations, doses and reactions are personal data: they are read through the audited pages and API only.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from phongdich.core.errors import ApplicationError

from .models import AreaPopulation, PriorityGroup, VaccinationSite, VaccineProduct
from .services import product_check


@admin.register(PriorityGroup)
class PriorityGroupAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name_vi", "active"]
    list_editable = ["active"]


class VaccineProductForm(forms.ModelForm):
    class Meta:
        model = VaccineProduct
        fields = [
            "code",
            "name",
            "medicinal_product",
            "manufacturer",
            "prophylaxis",
            "series_doses",
            "min_interval_days",
            "recommended_interval_days",
            "interval_source",
            "interval_confirmed",
            "active",
        ]

    def clean(self):
        cleaned = super().clean()
        candidate = VaccineProduct(**{name: cleaned.get(name) for name in ("medicinal_product", "manufacturer",
                                                                           "prophylaxis")}, active=True)  # fmt: skip
        try:
            product_check(candidate)  # the codes must exist in the EU DCC value sets
        except ApplicationError as exc:
            raise ValidationError(exc.error.en) from exc
        return cleaned


@admin.register(VaccineProduct)
class VaccineProductAdmin(admin.ModelAdmin):
    form = VaccineProductForm
    list_display = ["name", "code", "medicinal_product", "series_doses", "min_interval_days", "interval_confirmed"]


@admin.register(VaccinationSite)
class VaccinationSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "active"]
    list_filter = ["active"]
    raw_id_fields = ["area"]
    search_fields = ["name"]


@admin.register(AreaPopulation)
class AreaPopulationAdmin(admin.ModelAdmin):
    list_display = ["area", "band", "population", "as_of", "source"]
    raw_id_fields = ["area"]
