"""The JSON API (FastAPI): one app that the later issues grow, its OpenAPI schema published."""
