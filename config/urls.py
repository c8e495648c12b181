from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

from config.i18n import set_language_keeping_page
from config.pagecache import public_page
from pages import views as pages_views

# Staff sign in through allauth like everyone else (verified e-mail, rate
# limits); the admin's own login form is not a second way in.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Solidarity administration")
admin.site.site_title = _("Solidarity")


def serve_media(request, path):
    # MEDIA_ROOT is read per request, not frozen when this module is imported.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


# A database outage answers 503 with the visitor's form, not a bare 500.
handler500 = "config.errors.server_error"

# One address per language: English as before (/campaigns/x/), Belarusian and
# Russian under /be/ and /ru/. Everything a reader sees in words is here, the
# tally API and the GeoJSON included (country names and labels are in the
# address's language), so a partner's Russian site frames /ru/.../embed/.
urlpatterns = i18n_patterns(
    path("", public_page(pages_views.home), name="home"),
    path("", include("letters.urls")),
    path("prisoners/", include("prisoners.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("campaigns/", include("appeals.urls")),
    path("", include("events.urls")),
    path("map/", public_page(pages_views.world_map), name="map"),
    path("map/<str:code>/", public_page(pages_views.country), name="country"),
    path("api/campaigns/", include("campaigns.api_urls")),
    path("api/countries/<str:code>/", public_page(pages_views.country_api), name="country_api"),
    path("accounts/", include("allauth.urls")),
    prefix_default_language=False,
)

# One address for every language: machines (health), the switch itself, and
# the admin, which speaks the staff member's own language (cookie, then the
# browser's; config.i18n.AdminLanguageMiddleware).
urlpatterns += [
    path("healthz", pages_views.healthz, name="healthz"),
    # Without a CSRF token in the footer, public pages set no cookie and can be
    # cached; a forged request could at worst switch someone's language.
    path("i18n/setlang/", csrf_exempt(set_language_keeping_page), name="set_language"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Development only (SERVE_MEDIA defaults to DEBUG): in production Caddy
    # serves MEDIA_ROOT from the shared volume (Caddyfile, docker-compose.yml).
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_media),
    ]

if settings.BENCH_ENDPOINTS:
    from bench.views import ceiling

    urlpatterns += [path("bench/ceiling", ceiling, name="bench-ceiling")]
