"""Reading untrusted input in bounded time: where a frame ends, and user-written patterns
on a linear-time engine.
"""
