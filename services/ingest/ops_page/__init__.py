"""`/ops`: the operators' page (see ``routes``)."""
