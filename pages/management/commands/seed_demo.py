import secrets

from django.core.management.base import BaseCommand

from events import demo as events_demo
from letters.demo import seed_letters
from pages import demo

ADMIN_EMAIL = "admin@example.org"


class Command(BaseCommand):
    help = (
        "Load the demo data (prisoners, campaigns, ledger) and the demo staff account. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-password",
            help="Password for the demo staff account (default: a new random one, printed).",
        )
        parser.add_argument(
            "--no-admin", action="store_true", help="Do not create or touch the staff account."
        )

    def handle(self, *args, admin_password=None, no_admin=False, **options):
        prisoners = demo.seed_prisoners()
        campaigns = demo.seed_campaigns(prisoners)
        demo.seed_marathon_reports(campaigns["letter-marathon-2012"])
        events_demo.seed_events(campaigns["day-of-solidarity-2024"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(prisoners)} prisoners, {len(campaigns)} campaigns, "
                f"{demo.MARATHON_TOTAL:,} marathon actions."
            )
        )
        if no_admin:
            seed_letters()
            return
        password = admin_password or secrets.token_urlsafe(12)
        admin = demo.seed_admin(email=ADMIN_EMAIL, password=password)
        seed_letters(moderator=admin)
        self.stdout.write(
            "\n  Admin: http://127.0.0.1:8000/admin/\n"
            f"  E-mail: {ADMIN_EMAIL}\n"
            f"  Password: {password}\n"
            "  (a new password is generated on each run; "
            "`manage.py changepassword admin` sets your own)\n"
        )
