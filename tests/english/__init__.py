"""The English sweep: its scene and what counts as untranslated."""
