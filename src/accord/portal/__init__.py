"""The agency portal: pages and an HTTP API over the engine (check, submit, follow), in FastAPI. ``create_app``
builds the ASGI app; ``accord serve`` runs it with uvicorn."""
