"""Staff roles, declared once: which group may do what in the admin.

The groups and their permissions are applied after every `migrate` (and
after a test flush, which sends the same signal): the declaration below is
the truth, so a permission added by hand to a role's group is taken away
again and a new model's permissions reach the role by editing one line.
Superusers need no group. Everyone else on the staff gets exactly what their
groups give.

- Moderators decide on letters and events, make and post delivery batches,
  and read the ledger to see where a figure comes from. They see prisoners,
  facilities and campaigns but never change them, and never see petition
  signatures (names and e-mail addresses of signers).
- Editors keep prisoners, facilities, places of detention, case timelines
  and campaigns, and enter offline reports. They read the ledger and the
  tallies, and do not moderate letters (writers' e-mail addresses stay with
  the moderators). They keep a campaign's appeal text and targets, but like
  moderators never see the appeals (writers' names and e-mail addresses).
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

MODERATORS = "Moderators"
EDITORS = "Editors"

VIEW = ("view",)
ALL = ("view", "add", "change", "delete")

# {group: {app_label: {model_name: actions}}}
ROLES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    MODERATORS: {
        "letters": {
            "letter": ("view", "change"),
            "letterlog": VIEW,
            "deliverybatch": ("view", "add", "change"),
            "bulkjob": VIEW,
            "wallexcerpt": ALL,
        },
        "events": {
            "event": ("view", "change"),
            "eventreport": ("view", "change"),
            "eventphoto": ("view", "delete"),
        },
        "prisoners": {"prisoner": VIEW, "facility": VIEW},
        "campaigns": {"campaign": VIEW, "campaignmaterial": VIEW, "action": VIEW},
    },
    EDITORS: {
        "prisoners": {
            "prisoner": ALL,
            "facility": ALL,
            "imprisonment": ALL,
            "caseevent": ALL,
        },
        "campaigns": {
            "campaign": ("view", "add", "change"),
            "campaignmaterial": ALL,
            "offlinereport": ALL,
            "action": VIEW,
            "tally": VIEW,
        },
        "events": {"event": VIEW, "eventreport": VIEW, "eventphoto": VIEW},
        # The appeal's text and whom it goes to; not the appeals themselves
        # (writers' names and addresses), as with signatures.
        "appeals": {"appealtext": ALL, "appealtarget": ALL},
    },
}


def role_codenames(group_name: str) -> set[tuple[str, str]]:
    """(app_label, codename) pairs the role grants."""
    return {
        (app_label, f"{action}_{model}")
        for app_label, models in ROLES[group_name].items()
        for model, actions in models.items()
        for action in actions
    }


def roles_apply(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS, verbosity: int = 0) -> None:
    """Create the groups and set their permissions to exactly what ROLES says."""
    from django.contrib.auth.management import create_permissions

    # Permissions are created by auth's own post_migrate handler, app by app;
    # ours may run before it reached an app of ours, so make sure first.
    for app_label in {label for role in ROLES.values() for label in role}:
        create_permissions(
            global_apps.get_app_config(app_label), verbosity=0, using=using, apps=apps
        )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name in ROLES:
        wanted = role_codenames(group_name)
        permissions = [
            p
            for p in Permission.objects.using(using)
            .filter(content_type__app_label__in={app for app, _ in wanted})
            .select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            # A typo in ROLES, or a model that is gone: say so loudly at migrate.
            raise LookupError(f"roles: no such permissions {sorted(missing)}")
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        group.permissions.set(permissions)


def _on_post_migrate(sender, app_config, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    # Sent once per app with models; act once, for the last of them, when
    # every app's tables and permissions exist.
    with_models = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    if app_config is with_models[-1]:
        roles_apply(apps=apps, using=using)
