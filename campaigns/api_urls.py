from django.urls import path

from campaigns import views
from config.pagecache import public_page

app_name = "campaigns_api"

urlpatterns = [
    path("<slug:slug>/tally/", public_page(views.campaign_tally_api), name="tally"),
]
