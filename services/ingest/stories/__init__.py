"""`/v1/stories`: a field office's alerts grouped by story, one story per detainer's subject."""
