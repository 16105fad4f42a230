"""A PostgreSQL backend whose credentials come from a provider at connect time.

``DATABASES["default"]["ENGINE"] = "refarch_site.db"`` with ``CREDENTIALS`` set to a provider
(:mod:`refarch_site.credentials`).
"""
