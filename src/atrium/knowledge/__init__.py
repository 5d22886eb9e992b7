"""Knowledge bases, their files, ingestion and retrieval with citations."""
