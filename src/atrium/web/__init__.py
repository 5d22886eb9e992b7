"""The web dashboard: server-rendered pages (Jinja2) and a little of the project's own
JavaScript, served by Atrium itself. Pages read through the same services as the API; every
change a page makes goes through the JSON API (with the session cookie and a CSRF token)."""
