"""The web app's pages and API, one router per area (mounted by ``web.app``)."""
