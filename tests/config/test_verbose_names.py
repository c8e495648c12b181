"""The admin and the forms built from models show field names: all translated."""

import pytest
from django.apps import apps
from django.utils.functional import Promise

OUR_APPS = ("prisoners", "campaigns", "events", "letters", "outbox", "pages")


def _fields():
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields(include_hidden=False):
                if not field.concrete or field.auto_created:
                    continue  # reverse relations, the automatic id
                if getattr(field, "translated_field", None) is not None:
                    continue  # modeltranslation's title_be etc. derive theirs
                yield pytest.param(field, id=f"{model._meta.label}.{field.name}")


@pytest.mark.parametrize("field", list(_fields()))
def test_every_field_of_our_models_has_a_translated_verbose_name(field):
    assert isinstance(field.verbose_name, Promise), (
        f"{field.model._meta.label}.{field.name}: verbose_name=_(…) missing"
    )
