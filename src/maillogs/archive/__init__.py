"""The embedded SQLite archive: ``maillogs sync`` writes it, ``--offline`` reads it.

``paths`` says where it is, ``schema`` what is in it (and how older files are
migrated), ``store`` opens it and writes records; ``sync`` and ``manage`` are the
``sync`` and ``archive`` commands' work. The standard library's ``sqlite3`` in
WAL mode: readers never wait for a running sync.
"""
