"""The web app: FastAPI routers, Jinja2 templates, vendored static files."""
