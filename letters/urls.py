from django.urls import path

from letters import views

app_name = "letters"

urlpatterns = [
    path("prisoners/<slug:slug>/write/", views.write, name="write"),
    path("prisoners/<slug:slug>/write/sent/", views.sent, name="sent"),
    # Tokens are token_urlsafe: a slug. <str:> let "%00" through to a query
    # PostgreSQL refuses (NUL in a string literal): a 500.
    path("letters/withdraw/<slug:token>/", views.withdraw, name="withdraw"),
    path("letters/<slug:token>/edit/", views.edit, name="edit"),
    path(
        "letters/wall/<slug:token>/withdraw-consent/",
        views.wall_consent_withdraw,
        name="wall_consent_withdraw",
    ),
]
