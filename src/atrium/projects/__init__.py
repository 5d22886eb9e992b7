"""Projects: named groups of a tenant's assistants, threads and knowledge bases."""
