"""The outermost layer: the ASGI app factory, provider webhooks and the command line."""
