from django.conf import settings

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class ContentSecurityPolicyMiddleware:
    """Scripts only from our own origin, never inline; nothing from other hosts
    but the media origin, for images, when media is on object storage.

    Styles allow inline attributes because Leaflet and the Django admin set
    them; scripts, the thing that matters, are strict. A view can relax
    framing (the embeddable counter) by setting ``response.csp_frame_ancestors``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No page uses a camera, microphone, location (the event form's map
        # is picked by hand) or payment: no page, nor anything framed in it,
        # may ask the browser for them.
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "Content-Security-Policy" not in response:
            frame_ancestors = getattr(response, "csp_frame_ancestors", "'none'")
            response["Content-Security-Policy"] = "; ".join(
                [
                    "default-src 'self'",
                    "script-src 'self'",
                    "style-src 'self' 'unsafe-inline'",
                    # Photos and maps live on object storage when it is
                    # configured (settings.MEDIA_ORIGIN); pages load them as
                    # images, and nothing fetches media from script.
                    " ".join(filter(None, ["img-src 'self' data: blob:", settings.MEDIA_ORIGIN])),
                    "font-src 'self'",
                    "connect-src 'self'",
                    "object-src 'none'",
                    "base-uri 'self'",
                    "form-action 'self'",
                    f"frame-ancestors {frame_ancestors}",
                ]
            )
        return response
