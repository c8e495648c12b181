from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.sites.shortcuts import get_current_site

from outbox import services as outbox


class AccountAdapter(DefaultAccountAdapter):
    """allauth's mails (address confirmation, password reset) go through the
    outbox like every other mail: retried, visible in the admin, never sent
    from inside the request."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = self.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        message = self.render_mail(template_prefix, email, ctx)
        outbox.mail_enqueue_rendered(
            to=email,
            template=template_prefix.rsplit("/", 1)[-1][:60],
            subject=message.subject,
            body=message.body,
        )
