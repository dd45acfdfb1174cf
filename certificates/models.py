"""Electronic certificates, signing keys, status changes."""
