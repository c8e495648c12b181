from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<slug:slug>/", views.campaign_detail, name="detail"),
    path("<slug:slug>/sign/", views.campaign_sign, name="sign"),
    path(
        "<slug:slug>/sign/confirm/<str:token>/",
        views.campaign_sign_confirm,
        name="sign_confirm",
    ),
    path("<slug:slug>/embed/", views.campaign_embed, name="embed"),
]
