from django.urls import path

from campaigns import views
from config.pagecache import public_page

app_name = "campaigns"

urlpatterns = [
    path("", public_page(views.campaign_list), name="list"),
    path("<slug:slug>/", public_page(views.campaign_detail), name="detail"),
    path("<slug:slug>/sign/", views.campaign_sign, name="sign"),
    # Tokens are token_urlsafe ([A-Za-z0-9_-]), which <slug:> matches; anything
    # else (a NUL byte, which PostgreSQL refuses in a query) never reaches the view.
    path(
        "<slug:slug>/sign/confirm/<slug:token>/",
        views.campaign_sign_confirm,
        name="sign_confirm",
    ),
    path("<slug:slug>/embed/", public_page(views.campaign_embed), name="embed"),
]
