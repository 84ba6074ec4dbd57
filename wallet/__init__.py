"""The credwallet service: app factory, HTTP API, domain services, the command line.

Nothing here runs at import time; build the app with ``wallet.app.create_app``.
"""
