"""Reports over the logs: ``maillogs stats`` (counts per period or group) and
``maillogs show`` (everything known about one message).

Modules: ``periods`` (groupings, calendar periods in a zone), ``aggregate``
(constant-memory counters, rates), ``compute`` (provider counters or logs),
``render`` (stats output), ``message`` (message lookup and its output).
"""
