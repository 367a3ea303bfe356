"""The faces of the platform: the CLI (and, later, the API, the console and the portal)."""
