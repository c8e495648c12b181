from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from events.views import _feed_events, _location, list_url_for


class EventsFeed(Feed):
    feed_type = Rss201rev2Feed
    title = _("Solidarity events")
    description = _("Events of solidarity with political prisoners, as they are published.")

    def get_object(self, request, *args, **kwargs):
        # The request itself is the "object": its query string filters the feed.
        return request

    def link(self, request):
        return request.build_absolute_uri(list_url_for(request))

    def items(self, request):
        # Absolute links from the request (not the Sites framework's domain);
        # kept on the items because one Feed instance serves every request.
        events = _feed_events(request)
        for event in events:
            event.absolute_url = request.build_absolute_uri(event.get_absolute_url())
        return events

    # RSS readers take a title and a description as HTML once the XML is
    # decoded, so the XML escaping alone leaves an organiser's "<b>" live.
    # Escaped here as well, a reader shows the organiser's text as typed.

    def item_title(self, item):
        # The date on the event's own clocks, in the reader's language.
        return escape(f"{item.title} — {item.city}, {date_format(item.starts_local, 'j E Y')}")

    def item_description(self, item):
        return escape(f"{item.get_kind_display()}. {_location(item)}. {item.description}")

    def item_link(self, item):
        return item.absolute_url

    def item_guid(self, item):
        return self.item_link(item)

    def item_pubdate(self, item):
        return item.moderated_at or item.created_at

    def item_categories(self, item):
        return [str(item.get_kind_display())]
