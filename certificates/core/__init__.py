"""Pure certificate machinery (identifiers, signed QR tokens, keys, status and trust lists, PDF, PAdES).

Nothing here imports Django, so it can be tested, benchmarked and used by offline tools on its own.
"""
