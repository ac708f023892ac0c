"""The one HTTP call the Slack hooks make (standard library: the task image needs no slack_sdk)."""
import json
import urllib.error
import urllib.request


def post_json(url, body, headers=None, timeout=None, proxy=None):
    """POSTs ``body`` as JSON; answers (status, text). Network errors raise; HTTP errors answer their status."""
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    handlers = [urllib.request.ProxyHandler({"http": proxy, "https": proxy})] if proxy else []
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout or 30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")
