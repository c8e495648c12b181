from django.urls import path

from config.pagecache import public_page
from events import feeds, views

app_name = "events"

# Mounted at the site root: /events/... and /api/events.geojson share one namespace.
urlpatterns = [
    path("events/", public_page(views.event_list), name="list"),
    path("events/new/", views.event_new, name="new"),
    path("events/mine/", views.my_events, name="mine"),
    path("events/feed.ics", public_page(views.feed_ics), name="feed_ics"),
    path("events/feed.xml", public_page(feeds.EventsFeed()), name="feed_rss"),
    path("events/<int:pk>/", public_page(views.event_detail), name="detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="edit"),
    path("events/<int:pk>/report/", views.event_report, name="report"),
    # Read by the campaign map as /api/events.geojson?campaign=<slug>.
    path("api/events.geojson", views.events_geojson, name="geojson"),
    # The event form's city search and the event maps' town labels (GeoNames, offline).
    path("api/places.json", views.places_json, name="places"),
]
