"""The area picker's typed text (geo/area_picker.html with `text_name`) in the pages that use it: a name typed and not
chosen from the suggestions is resolved by selectors.area_from_text instead of being dropped (docs/areas.md, "A name
typed and not chosen").

Filters (GET) read it with typed_area_text and answer area_not_chosen with area_not_chosen_context; forms (POST) mix
in AreaPickerFormMixin, which resolves it before the form checks its fields."""

from django import forms

from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_none

from .models import Area
from .selectors import area_from_text

AREA_TEXT_MAX = 200  # an area's name with its parent's, as the area picker shows a chosen one
TEXT_SUFFIX = "_text"  # the picker's search box is named after its hidden id's field: area -> area_text


def typed_area_text(params, values: dict, name: str = "area_text") -> str | None:
    """A filter's typed area text, as its form cleaned it (`values`); None when the request did not send it (a link,
    the pager of a list filtered before): then the id alone decides."""
    return values.get(name) if name in params else None


def area_not_chosen_context(params, error: ApplicationError, name: str = "area_text") -> dict:
    """What a filter page adds to its form when the typed area names none or several areas: the message beside the
    picker and the text kept in it (`area_errors`, `typed_area`, as the picker's include takes them)."""
    return {"area_errors": [error.as_dict()["message"]], "typed_area": (params.get(name) or "")[:AREA_TEXT_MAX]}


class AreaPickerFormMixin:
    """For a form whose area fields are chosen with the area picker (an id in a hidden input) and whose picker sends
    its typed text too, as `<field>_text` (the include's `text_name`; with the form's prefix: "new-address_area_text").

    Before the fields are checked, the text sent resolves to an area with selectors.area_from_text among those the
    picker offers (`within_path`, `kind`, and the field's queryset for a ModelChoiceField), and the field's id becomes
    that area's: a name typed and not chosen is taken when it names one area, not dropped. When it names none or
    several, the field has area_not_chosen's message, the id is left out (nothing is recorded: the form is invalid),
    and `typed_areas[field]` keeps the text for the picker to show again (its `typed_text`). Without the text (the
    API, a page without the picker's script) the id decides, as before. Call `area_picker_setup` in `__init__`."""

    def area_picker_setup(self, name: str, *, within_path: str | None = "", kind: str | None = None) -> None:
        """`name`'s picker offers the areas under `within_path` ("" for all; the viewer's area on an official's form,
        as the include's `within`), of `kind` when given (the include's `kind`)."""
        if not hasattr(self, "_area_pickers"):
            self._area_pickers: dict[str, dict] = {}
            self.typed_areas: dict[str, str] = {}
        self._area_pickers[name] = {"within_path": within_path, "kind": kind}

    def full_clean(self):
        refused = self._areas_from_text() if self.is_bound and getattr(self, "_area_pickers", None) else {}
        super().full_clean()
        for name, error in refused.items():
            self._errors.pop(name, None)  # "required" for the id left out: the message says what to do instead
            self.add_error(name, self.area_not_chosen_message(error))

    def area_not_chosen_message(self, error: ApplicationError) -> str:
        """area_not_chosen's message as the form shows its errors (the page's language; a form that shows both
        languages overrides it)."""
        return error.as_dict()["message"]

    def _areas_from_text(self) -> dict[str, ApplicationError]:
        data, refused = self.data.copy(), {}
        for name, picker in self._area_pickers.items():
            key = self.add_prefix(name)
            if key + TEXT_SUFFIX not in self.data:
                continue
            text = (self.data.get(key + TEXT_SUFFIX) or "")[:AREA_TEXT_MAX]
            field = self.fields[name]
            among = field.queryset if isinstance(field, forms.ModelChoiceField) else None
            area_id = id_or_none(self.data.get(key))
            chosen = Area.objects.select_related("parent").filter(pk=area_id).first() if area_id else None
            try:
                area = area_from_text(text=text, chosen=chosen, among=among, **picker)
            except ApplicationError as error:
                refused[name] = error
                self.typed_areas[name] = text
                area = None
            data[key] = str(area.pk) if area is not None else ""
        self.data = data
        return refused

    def picked_area(self, name: str = "area") -> Area | None:
        """The area the picker shows for `name`: the one its id now names (the text resolved, or the id sent), so
        that a form refused for another field keeps it; the initial one on a blank form."""
        if not self.is_bound:
            initial = self.initial.get(name)
            if isinstance(initial, Area):
                return initial
            area_id = id_or_none(initial)
        else:
            if self._errors is None:
                self.full_clean()  # which puts the area the text names into the id
            area_id = id_or_none(self.data.get(self.add_prefix(name)))
        return Area.objects.select_related("parent").filter(pk=area_id).first() if area_id else None
