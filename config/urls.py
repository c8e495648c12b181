from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from pages import views as pages_views

# Staff sign in through allauth like everyone else (verified e-mail, rate
# limits); the admin's own login form is not a second way in.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Solidarity administration")
admin.site.site_title = _("Solidarity")

urlpatterns = [
    path("", pages_views.home, name="home"),
    path("healthz", pages_views.healthz, name="healthz"),
    path("", include("letters.urls")),
    path("prisoners/", include("prisoners.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("events.urls")),
    path("map/", pages_views.world_map, name="map"),
    path("api/campaigns/", include("campaigns.api_urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Uploaded photos are few and small; a reverse proxy in front can take
    # this over (SERVE_MEDIA=0) without any change here.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

if settings.BENCH_ENDPOINTS:
    from bench.views import ceiling

    urlpatterns += [path("bench/ceiling", ceiling, name="bench-ceiling")]
