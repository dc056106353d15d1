"""Area lookup page: find an area by typing (the area picker) and see its place in the tree. Public data."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from phongdich.core.ids import id_or_none

from .selectors import area_children, area_full_name, area_get


@require_GET
def area_lookup_view(request):
    raw = request.GET.get("area", "")
    area = area_get(area_id=area_id) if (area_id := id_or_none(raw)) else None
    context = {"area": area}
    if area is not None:
        context.update(full_name=area_full_name(area), children=area_children(area=area))
    return render(request, "geo/lookup.html", context)
