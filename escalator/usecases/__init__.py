"""What people and devices may ask of escalator, one small object per kind of request.

The composition root (escalator/app.py) builds these from its parts and hands them to
the entry points (escalator/entrypoints/); a handler takes only the ones it needs. So
the entry points never see the running service as a whole, and never import the
composition root: the app builds the web app, never the other way round.
"""
