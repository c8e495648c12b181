from django.urls import path

from campaigns import views

app_name = "campaigns_api"

urlpatterns = [
    path("<slug:slug>/tally/", views.campaign_tally_api, name="tally"),
]
