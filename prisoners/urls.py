from django.urls import path

from config.pagecache import public_page
from prisoners import views

app_name = "prisoners"

urlpatterns = [
    path("", public_page(views.prisoner_list), name="list"),
    path("birthdays/", public_page(views.birthdays), name="birthdays"),
    path("<slug:slug>/", public_page(views.prisoner_detail), name="detail"),
]
