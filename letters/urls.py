from django.urls import path

from letters import views

app_name = "letters"

urlpatterns = [
    path("prisoners/<slug:slug>/write/", views.write, name="write"),
    path("prisoners/<slug:slug>/write/sent/", views.sent, name="sent"),
    path("letters/withdraw/<str:token>/", views.withdraw, name="withdraw"),
]
