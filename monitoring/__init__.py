"""Monitoring of the service promises: lead time, channels, hand-overs, as numbers and pictures.

  * `records`   small value objects the metrics work on (no I/O)
  * `metrics`   pure functions: records in, figures out
  * `tracker`   conversations from Rasa's tracker events (SQL tracker store, table `events`)
  * `sources`   readers: the booking store (history, lead times via the port) and the tracker store
  * `charts`    server-side SVG charts (no JavaScript, nothing downloaded)
  * `report`    the report: built from the sources, rendered to one self-contained HTML page
  * `generator` seeded synthetic traffic for demos and tests
`python -m monitoring report|generate` runs them from a shell.
"""
