"""Security hardening: lock-out, tokens, parsing, bounded work, uploads, headers."""
