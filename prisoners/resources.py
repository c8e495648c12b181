"""Staff import of a prisoner list (django-import-export resources).

Two files, imported in this order through the admin (upload, preview, confirm):
facilities (FacilityResource), then prisoners (PrisonerResource), whose row
names its current place of detention by the facility's id. Rows are matched
on the organisation's own id (`external_id`), so the same file imported twice
changes nothing and a corrected file updates rows in place. The columns are
documented in README.md (Staff data: import and export).

A file is all or nothing: one bad row and nothing is written (the preview
lists an error per bad row; the confirm step rolls back if a row fails).
"""

import datetime as dt
from collections import Counter

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from prisoners.models import Facility, Imprisonment, Prisoner
from prisoners.services import birthday_is_valid

EXTERNAL_ID = "external_id"


class IsoDateWidget(widgets.Widget):
    """A day written YYYY-MM-DD (or a spreadsheet's date cell); never in the future."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            try:
                day = dt.datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
            except ValueError:
                raise ValueError(
                    _("“%(value)s” is not a date: write a real day as YYYY-MM-DD.")
                    % {"value": value}
                ) from None
        if day > timezone.localdate():
            raise ValueError(_("%(date)s is in the future.") % {"date": day.isoformat()})
        if day.year < 1900:
            raise ValueError(_("%(date)s is before 1900.") % {"date": day.isoformat()})
        return day

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class BirthdayWidget(IsoDateWidget):
    """The birth date as Prisoner keeps it: year of birth, month and day."""

    def clean(self, value, row=None, **kwargs):
        day = super().clean(value, row, **kwargs)
        if day is None:
            return None
        assert birthday_is_valid(day.month, day.day)  # a real date always is
        return (day.year, day.month, day.day)

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        year, month, day = value
        # A row entered by hand may know the birthday without the year
        # (ISO 8601's --MM-DD).
        return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


class FacilityKeyWidget(widgets.Widget):
    """A facility named by its external id, which must exist already."""

    def __init__(self, known: set[str]):
        super().__init__()
        self.known = known

    def clean(self, value, row=None, **kwargs):
        key = str(value or "").strip()
        if not key:
            return None
        if key not in self.known:
            raise ValueError(
                _("No facility with id “%(id)s”: import the facilities file first.") % {"id": key}
            )
        return key


class KeyWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        # Spreadsheets turn 123 into 123.0; an id is text.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip() if value is not None else ""


class YesNoWidget(widgets.Widget):
    YES = {"yes", "y", "true", "1", "так", "да"}
    NO = {"no", "n", "false", "0", "не", "нет"}

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if not text or text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("Write yes or no, not “%(value)s”.") % {"value": value})


class KeyedResource(resources.ModelResource):
    """Rows keyed on external_id: required, once per file."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.key_counts: Counter[str] = Counter()

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if EXTERNAL_ID in (dataset.headers or []):
            keys = [KeyWidget().clean(value) for value in dataset[EXTERNAL_ID]]
            self.key_counts = Counter(key for key in keys if key)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        key = KeyWidget().clean(row.get(EXTERNAL_ID))
        if not key:
            raise ValidationError({EXTERNAL_ID: _("Every row needs its id.")})
        if self.key_counts[key] > 1:
            raise ValidationError(
                {
                    EXTERNAL_ID: _("The id “%(id)s” is on %(count)d rows of this file.")
                    % {"id": key, "count": self.key_counts[key]}
                }
            )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        # The fields' own checks and clean(), without the per-row queries of
        # unique and constraint checks (Django runs one query per check): keys
        # are matched or checked once per file, a prisoner's birthday comes
        # from a real date, and the database keeps the constraints anyway.
        try:
            instance.full_clean(
                exclude=errors.keys(), validate_unique=False, validate_constraints=False
            )
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        errors.update(self.unique_errors(instance))
        if errors:
            # Name each error by the file's column, not by the model attribute.
            columns = {f.attribute: f.column_name for f in self.fields.values()}
            raise ValidationError({columns.get(key, key): value for key, value in errors.items()})

    def unique_errors(self, instance) -> dict:
        return {}

    def import_data(self, dataset, **kwargs):
        # The admin's confirm step passes no such flag: a row that turned
        # invalid between preview and confirm must undo the whole file too.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, **kwargs)


class FacilityResource(KeyedResource):
    external_id = fields.Field(
        attribute="external_id", column_name="external_id", widget=KeyWidget()
    )
    name_en = fields.Field(attribute="name_en", column_name="name_en")
    name_be = fields.Field(attribute="name_be", column_name="name_be")
    name_ru = fields.Field(attribute="name_ru", column_name="name_ru")
    address = fields.Field(attribute="address", column_name="address")
    address_original = fields.Field(attribute="address_original", column_name="address_original")
    city = fields.Field(attribute="city", column_name="city")
    country = fields.Field(attribute="country", column_name="country")

    class Meta:
        model = Facility
        fields = (
            "external_id",
            "name_en",
            "name_be",
            "name_ru",
            "address",
            "address_original",
            "city",
            "country",
        )
        import_id_fields = ("external_id",)
        instance_loader_class = CachedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # Country codes as ISO 3166 alpha-2 in any case ("by" -> "BY").
        if row.get("country"):
            row["country"] = str(row["country"]).strip().upper()


class PrisonerResource(KeyedResource):
    external_id = fields.Field(
        attribute="external_id", column_name="external_id", widget=KeyWidget()
    )
    name_en = fields.Field(attribute="name_en", column_name="name_en")
    name_be = fields.Field(attribute="name_be", column_name="name_be")
    name_ru = fields.Field(attribute="name_ru", column_name="name_ru")
    # Attributes that are not model fields carry a row's birthday, arrest
    # date and facility through the import; the current values are set on
    # each loaded prisoner first (after_init_instance), so an unchanged row
    # compares equal and is skipped.
    birth_date = fields.Field(
        attribute="import_birthday", column_name="birth_date", widget=BirthdayWidget()
    )
    status = fields.Field(attribute="status", column_name="status")
    arrest_date = fields.Field(
        attribute="import_since", column_name="arrest_date", widget=IsoDateWidget()
    )
    articles = fields.Field(attribute="charges_en", column_name="articles")
    sentence = fields.Field(attribute="sentence_en", column_name="sentence")
    facility_id = fields.Field(attribute="import_facility", column_name="facility_id")
    published = fields.Field(
        attribute="is_published", column_name="published", widget=YesNoWidget()
    )

    class Meta:
        model = Prisoner
        fields = (
            "external_id",
            "name_en",
            "name_be",
            "name_ru",
            "birth_date",
            "status",
            "arrest_date",
            "articles",
            "sentence",
            "facility_id",
            "published",
        )
        import_id_fields = ("external_id",)
        instance_loader_class = CachedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        facilities = dict(
            Facility.objects.filter(external_id__isnull=False).values_list("external_id", "pk")
        )
        self.facility_pks = facilities
        self.fields["facility_id"].widget = FacilityKeyWidget(set(facilities))
        self.slugs = dict(Prisoner.objects.values_list("slug", "pk"))
        # Each prisoner's current place of detention, in one query.
        self.current = {
            prisoner_id: (key, since)
            for prisoner_id, key, since in Imprisonment.objects.filter(
                until__isnull=True, prisoner__external_id__isnull=False
            ).values_list("prisoner_id", "facility__external_id", "since")
        }

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if instance.birthday_month:
            instance.import_birthday = (
                instance.birth_year,
                instance.birthday_month,
                instance.birthday_day,
            )
        else:
            instance.import_birthday = None
        key, since = self.current.get(instance.pk, (None, None)) if instance.pk else (None, None)
        instance.import_facility = key
        instance.import_since = since

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.import_birthday:
            (
                instance.birth_year,
                instance.birthday_month,
                instance.birthday_day,
            ) = instance.import_birthday
        else:
            instance.birthday_month = instance.birthday_day = None
        if not instance.slug:
            instance.slug = slugify(f"{instance.name_en or ''} {instance.external_id}")[:200]

    def unique_errors(self, instance) -> dict:
        owner = self.slugs.get(instance.slug)
        if owner is not None and owner != instance.pk:
            return {
                "slug": ValidationError(
                    _("Another prisoner already has the address “%(slug)s”.")
                    % {"slug": instance.slug}
                )
            }
        return {}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.import_since and not instance.import_facility and "arrest_date" not in errors:
            errors["import_since"] = ValidationError(
                _("An arrest date needs the facility where the prisoner is held.")
            )
        super().validate_instance(instance, errors, validate_unique)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        key = instance.import_facility
        if not key:
            return
        facility_pk = self.facility_pks[key]
        # The row says where the prisoner is held now: a corrected file
        # corrects the current place of detention in place (a transfer with
        # its date is entered in the prisoner's form, prisoners.services).
        if instance.pk in self.current:
            Imprisonment.objects.filter(prisoner=instance, until__isnull=True).update(
                facility_id=facility_pk, since=instance.import_since
            )
        else:
            Imprisonment.objects.create(
                prisoner=instance, facility_id=facility_pk, since=instance.import_since
            )
