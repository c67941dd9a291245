"""Pure codecs of the alarm protocols (SIA DC-09, ESPA 4.4.4, polled documents, text
cleaning): bytes or text in, values out. No sockets, no store, no service: the receivers
in escalator/entrypoints/receivers/ do the I/O and hand what these decode to the intake."""
