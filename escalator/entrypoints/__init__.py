"""The ways into escalator from outside: HTTP today (`http/`).

Entry points turn a request into a call on a narrow use case and its answer back into
a response; they never hold rules of their own. Outbound channels live apart in
`escalator/notify/`.
"""
