import datetime as dt
import unicodedata
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from campaigns.models import Campaign
from config import photos
from config.antispam import SpamCheckedForm
from config.text import PlainTextForm
from events import geo, places
from events.models import (
    COMMON_TIMEZONES,
    EVENT_YEARS,
    MAX_REPORT_COUNT,
    Event,
    EventReport,
    timezone_is_known,
    validate_event_year,
)
from events.selectors import EventFilters
from events.services import MAX_PHOTOS
from prisoners.models import Prisoner


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once; each is checked and rebuilt from its pixels here."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def __init__(self, *args, max_count: int = MAX_PHOTOS, **kwargs):
        self.max_count = max_count
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if len(uploads) > self.max_count:
            raise forms.ValidationError(
                _("At most %(n)d photos, please: you chose %(chosen)d."),
                params={"n": self.max_count, "chosen": len(uploads)},
                code="too_many",
            )
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(photos.photo_clean(upload))
            except photos.PhotoRejected as refusal:
                errors.append(
                    forms.ValidationError(
                        "%(name)s: %(reason)s",
                        params={"name": upload.name, "reason": str(refusal)},
                        code="bad_photo",
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def _local_input():
    first, last = EVENT_YEARS
    return forms.DateTimeInput(
        attrs={
            "type": "datetime-local",
            "min": f"{first}-01-01T00:00",
            "max": f"{last}-12-31T23:59",
        },
        format="%Y-%m-%dT%H:%M",
    )


class PhotoFieldsMixin(forms.Form):
    photo_caption = forms.CharField(
        label=_("Caption for these photos"), max_length=300, required=False
    )
    photo_credit = forms.CharField(
        label=_("Photo credit"),
        max_length=200,
        required=False,
        help_text=_("Who took the photos, as it should be printed."),
    )

    def cleaned_photos(self):
        caption = self.cleaned_data.get("photo_caption", "")
        credit = self.cleaned_data.get("photo_credit", "")
        return [(p, caption, credit) for p in self.cleaned_data.get("photos") or []]


def timezone_choices(current: str = "") -> list[tuple[str, str]]:
    """The short list, plus an event's own zone when a moderator chose another."""
    names = list(COMMON_TIMEZONES)
    if current and current not in names and timezone_is_known(current):
        names.append(current)
    return [(z, z.replace("_", " ")) for z in names]


class TimezoneSelectMixin(forms.ModelForm):
    """One select of time zones for the activist's form and the admin."""

    timezone_name = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("Start and end are in this time zone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone_name"].choices = timezone_choices(self.instance.timezone_name)


class EventAdminForm(TimezoneSelectMixin):
    class Meta:
        model = Event
        # The admin passes the fields of its fieldsets; these are a floor.
        fields = ["timezone_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone_name"].help_text = _(
            "Here start and end are in UTC; public pages show them in this time zone."
        )


class EventForm(PlainTextForm, PhotoFieldsMixin, SpamCheckedForm, TimezoneSelectMixin):
    photos = PhotosField(
        label=_("Photos"),
        help_text=_("Up to 10 JPEG, PNG or WebP photos, 10 MB each. Location data is removed."),
    )

    class Meta:
        model = Event
        fields = [
            "kind",
            "title",
            "description",
            "language",
            "starts_at",
            "ends_at",
            "timezone_name",
            "country",
            "city",
            "venue",
            "latitude",
            "longitude",
            "campaign",
            "prisoners",
            "organiser_name",
            "contact",
        ]
        widgets = {
            "starts_at": _local_input(),
            "ends_at": _local_input(),
            "prisoners": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "city": _("Start typing and pick the town from the list: it places the point."),
            "latitude": _(
                "Click the map or type the coordinates. Left empty, the town's centre is used."
            ),
        }

    language = forms.ChoiceField(
        label=_("Written in"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("Shown as written; readers of other languages see it in this one."),
    )

    def __init__(self, *args, photo_room: int = MAX_PHOTOS, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # An organiser usually writes in the language they use the site in.
            self.initial.setdefault("language", get_language())
        self.fields["campaign"].queryset = Campaign.objects.published()
        self.fields["prisoners"].queryset = Prisoner.objects.published()
        self.fields["photos"].max_count = photo_room
        self.fields["latitude"].widget.attrs.update({"step": "any", "data-map-input": "lat"})
        self.fields["longitude"].widget.attrs.update({"step": "any", "data-map-input": "lon"})
        self.fields["country"].widget.attrs["data-map-input"] = "country"
        # The search endpoint fills a datalist as the person types; without
        # script, an empty point is taken from the gazetteer in clean().
        self.fields["city"].widget.attrs.update(
            {"list": "city-places", "autocomplete": "off", "data-map-input": "city"}
        )
        self.fields["latitude"].required = False
        self.fields["longitude"].required = False
        instance = self.instance
        if instance.pk and not self.is_bound:
            zone = ZoneInfo(instance.timezone_name)
            for name in ("starts_at", "ends_at"):
                value = getattr(instance, name)
                self.initial[name] = value.astimezone(zone).replace(tzinfo=None)

    def clean_language(self):
        # Left out (an older form, a script): the language of the site.
        if self.cleaned_data["language"]:
            return self.cleaned_data["language"]
        return self.instance.language if self.instance.pk else get_language()

    def clean_title(self):
        title = self.cleaned_data["title"]
        # Tabs and line breaks have no place in a title; they also end up in
        # the subject of the organiser's status e-mails.
        if any(unicodedata.category(c) == "Cc" for c in title):
            raise ValidationError(
                _("Keep the title on one line, without tabs or line breaks."), code="one_line"
            )
        return title

    def _in_zone(self, name: str, zone: ZoneInfo) -> dt.datetime | None:
        """The field's wall-clock time read in the event's zone, or None with an error."""
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        # The browser sends a wall-clock time; Django read it as UTC. Read it
        # again as the time on the clocks where the event happens. The year is
        # checked first: converting year 9999 or year 1 overflows.
        wall = value.astimezone(dt.UTC).replace(tzinfo=None)
        try:
            validate_event_year(wall)
        except ValidationError as error:
            self.add_error(name, error)
            return None
        local = wall.replace(tzinfo=zone)
        # A time inside the spring-forward gap does not exist there; zoneinfo
        # would quietly move it by the size of the gap. Say so instead.
        if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
            self.add_error(
                name,
                _(
                    "%(time)s does not exist in %(zone)s: the clocks go forward that "
                    "night. Choose a time before or after the change."
                )
                % {"time": wall.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
            )
            return None
        return local

    def clean(self):
        cleaned = super().clean()
        try:
            zone = ZoneInfo(cleaned.get("timezone_name") or "UTC")
        except ZoneInfoNotFoundError:
            self.add_error("timezone_name", _("Unknown time zone."))
            return cleaned
        starts = self._in_zone("starts_at", zone)
        ends = self._in_zone("ends_at", zone)
        if starts:
            cleaned["starts_at"] = self.instance.starts_at = starts
        if ends:
            cleaned["ends_at"] = self.instance.ends_at = ends
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The end is before the start. Check the dates and times."))
        lat, lon, country = (
            cleaned.get("latitude"),
            cleaned.get("longitude"),
            cleaned.get("country"),
        )
        if lat is None and lon is None and country and cleaned.get("city"):
            lat, lon = self._point_of_city(country=str(country), city=cleaned["city"])
        elif (lat is None) != (lon is None):
            missing = "latitude" if lat is None else "longitude"
            self.add_error(missing, _("Give both coordinates, or leave both empty."))
        if lat is not None and lon is not None and country:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self.add_error("latitude", _("This point is not on the map."))
            elif not geo.point_in_country(
                latitude=float(lat), longitude=float(lon), country=str(country)
            ):
                self.add_error(
                    "latitude",
                    _(
                        "The point on the map is not in %(country)s. Move the marker or "
                        "choose another country."
                    )
                    % {"country": countries.name(country)},
                )
        return cleaned

    def _point_of_city(self, *, country: str, city: str) -> tuple[Decimal | None, Decimal | None]:
        """The town's point from the gazetteer, for a form sent without the map."""
        place = places.place_resolve(country=country, name=city)
        if place is None:
            self.add_error(
                "city",
                _(
                    "We could not find “%(city)s” in %(country)s. Pick the place on the map "
                    "or type its coordinates."
                )
                % {"city": city, "country": countries.name(country)},
            )
            return None, None
        lat, lon = Decimal(str(place.latitude)), Decimal(str(place.longitude))
        self.cleaned_data["latitude"] = self.instance.latitude = lat
        self.cleaned_data["longitude"] = self.instance.longitude = lon
        return lat, lon


class ReportForm(PlainTextForm, PhotoFieldsMixin, forms.ModelForm):
    photos = PhotosField(
        label=_("More photos"),
        help_text=_("Up to 10 JPEG, PNG or WebP photos, 10 MB each. Location data is removed."),
    )

    class Meta:
        model = EventReport
        fields = [
            "participants",
            "letters_written",
            "postcards",
            "signatures",
            "other_actions",
            "other_actions_description",
            "summary",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, photo_room: int = MAX_PHOTOS, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].max_count = photo_room
        self.fields["postcards"].required = False
        for name in ("participants", "letters_written", "postcards", "signatures", "other_actions"):
            field = self.fields[name]
            field.widget.attrs.update({"min": 0, "max": MAX_REPORT_COUNT})
            # On the form field as well, so the refusal sits next to the figure
            # before the model is even built.
            field.validators.extend(self._meta.model._meta.get_field(name).validators)

    def clean_postcards(self):
        # Newer than the other figures: a report form opened before it
        # existed (or left empty) sends none, which means none written.
        return self.cleaned_data.get("postcards") or 0

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("other_actions") and not cleaned.get("other_actions_description"):
            self.add_error("other_actions_description", _("Say what the other actions were."))
        return cleaned


class EventFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Event.Kind.choices]
    )
    # A slug, not a choice: feeds and the GeoJSON take ?campaign=<slug>
    # without loading the list of campaigns.
    campaign = forms.SlugField(label=_("Campaign"), required=False, widget=forms.Select)
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("", _("Any time")), ("upcoming", _("Upcoming")), ("past", _("Past"))],
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, campaigns=None, offered_countries=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Any country")), *countries]
        if offered_countries is not None:
            # Any country stays valid (a feed or link may name one without
            # events: it then lists none), but the select offers only the
            # countries that have events, and the one asked for.
            offered = set(offered_countries) | {self.data.get("country", "")}
            self.fields["country"].widget.choices = [
                (code, name)
                for code, name in self.fields["country"].choices
                if code == "" or code in offered
            ]
        self.fields["campaign"].widget.choices = [("", _("Any campaign"))] + [
            (c.slug, c.title) for c in (campaigns or [])
        ]

    def filters(self) -> EventFilters:
        if not self.is_valid():
            # Bad filter values are ignored field by field, not with a 500.
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        return EventFilters(
            country=data.get("country") or "",
            city=data.get("city") or "",
            kind=data.get("kind") or "",
            campaign=data.get("campaign") or "",
            when=data.get("when") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
