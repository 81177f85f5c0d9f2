"""Care analytics: the figures a care manager reads, computed in the database.

`filters` says which threads count, `sql` holds the few expressions SQLite and
PostgreSQL spell differently, `figures` and `topics` compute the report's sections,
`threads` lists and exports threads, and `render`/`charts` write them out.
"""
