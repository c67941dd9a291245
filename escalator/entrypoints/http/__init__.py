"""The HTTP entry points (aiohttp): intake, operator API, ack page, voice, board, health.

`server.build_web_app` is the one factory; the composition root (escalator/app.py) calls it
with the use cases the handlers may use.
"""
