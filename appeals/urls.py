from django.urls import path

from appeals import views

app_name = "appeals"

# Under /campaigns/ (config/urls.py), beside the campaign's own pages.
urlpatterns = [
    path("<slug:slug>/appeal/", views.appeal_write, name="write"),
    path("<slug:slug>/appeal/confirm/<slug:token>/", views.appeal_confirm, name="confirm"),
]
