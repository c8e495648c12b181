import secrets

from django.core.management.base import BaseCommand

from config import roles
from config.mfa import staff_mfa_enrol, totp_code_now
from events import demo as events_demo
from letters.demo import seed_letters
from pages import demo, demo_materials, demo_running

# The demo's staff: one account per role, so each can be tried as it is.
STAFF = [
    ("Admin", "admin@example.org", None),
    ("Moderator", "moderator@example.org", roles.MODERATORS),
    ("Editor", "editor@example.org", roles.EDITORS),
]


class Command(BaseCommand):
    help = (
        "Load the demo data (prisoners, campaigns, ledger) and the demo staff accounts "
        "(admin, moderator, editor). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-password",
            help="Password for the demo staff accounts (default: new random ones, printed).",
        )
        parser.add_argument(
            "--no-admin", action="store_true", help="Do not create or touch the staff accounts."
        )

    def handle(self, *args, admin_password=None, no_admin=False, **options):
        prisoners = demo.seed_prisoners()
        campaigns = demo.seed_campaigns(prisoners)
        demo.seed_marathon_reports(campaigns["letter-marathon-2012"])
        events_demo.seed_events(campaigns["day-of-solidarity-2024"])
        # Dated from today: the one campaign that takes letters, names and appeals now.
        running = demo_running.seed_running_campaign()
        campaigns[running.slug] = running

        demo_materials.seed_materials(campaigns["day-of-solidarity-2017"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(prisoners)} prisoners, {len(campaigns)} campaigns, "
                f"{demo.MARATHON_TOTAL:,} marathon actions."
            )
        )
        if no_admin:
            seed_letters()
            demo_materials.seed_wall(campaigns["letter-marathon-2012"])
            return
        accounts = []
        for role, email, group in STAFF:
            password = admin_password or secrets.token_urlsafe(12)
            user = demo.seed_staff(email=email, password=password, group=group)
            secret, codes = staff_mfa_enrol(user=user)
            accounts.append((role, email, password, user, secret, codes))
        seed_letters(moderator=accounts[1][3])
        demo_materials.seed_wall(campaigns["letter-marathon-2012"], moderator=accounts[1][3])
        self.stdout.write("\n  Sign in at http://127.0.0.1:8000/admin/ as")
        for role, email, password, _user, secret, codes in accounts:
            self.stdout.write(f"  {role:<10} {email:<24} password: {password}")
            self.stdout.write(
                f"  {'':<10} authenticator secret: {secret}  (code now: {totp_code_now(secret)})"
            )
            self.stdout.write(f"  {'':<10} recovery code: {codes[0]}")
        self.stdout.write(
            "  (new passwords on each run; `manage.py changepassword <name>` sets your own.\n"
            "   Staff sign in with a second factor: add the secret to an authenticator app\n"
            "   (it stays the same across runs), or type a recovery code once.\n"
            "   The moderator decides on letters and events; the editor keeps prisoners,\n"
            "   facilities, campaigns and offline reports.)\n"
        )
