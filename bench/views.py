from django.http import HttpResponse

# Fixed bytes through the whole middleware stack: the ceiling every page is
# measured against. Routed only when BENCH_ENDPOINTS is on (config/urls.py).
_BODY = b"ok\n"


def ceiling(request):
    return HttpResponse(_BODY, content_type="text/plain")
